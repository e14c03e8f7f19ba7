using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;

namespace ImageSync.Metrics;

/// <summary>Keeps the Prometheus metrics up to date from the sync events on this replica's event stream.</summary>
public sealed class MetricsActor : ReceiveActor
{
    public MetricsActor(SyncMetrics metrics) => Receive<SyncEvents.ISyncEvent>(metrics.Record);

    public static Props Props(SyncMetrics metrics) => Akka.Actor.Props.Create(() => new MetricsActor(metrics));
}

public static class MetricsActorRegistration
{
    public static AkkaConfigurationBuilder AddMetricsActor(this AkkaConfigurationBuilder builder, SyncMetrics metrics) =>
        builder.WithActors((system, registry) =>
        {
            var actor = system.ActorOf(MetricsActor.Props(metrics), "metrics");
            // Subscribed before any sync starts, so no event is missed (PreStart would run later).
            system.EventStream.Subscribe(actor, typeof(SyncEvents.ISyncEvent));
            registry.Register<MetricsActor>(actor);
        });
}
