using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;

namespace ImageSync.Cli.Output;

/// <summary>Feeds the live view: every sync event on the event stream updates the run's progress.</summary>
internal sealed class ProgressActor : ReceiveActor
{
    public ProgressActor(RunProgress progress) => Receive<SyncEvents.ISyncEvent>(progress.Apply);

    public static Props Props(RunProgress progress) => Akka.Actor.Props.Create(() => new ProgressActor(progress));
}

internal static class ProgressActorRegistration
{
    public static AkkaConfigurationBuilder AddProgressView(this AkkaConfigurationBuilder builder, RunProgress progress) =>
        builder.WithActors((system, registry) =>
        {
            var view = system.ActorOf(ProgressActor.Props(progress), "progress");
            // Subscribed before any run starts, so the view misses nothing (PreStart would run later).
            system.EventStream.Subscribe(view, typeof(SyncEvents.ISyncEvent));
            registry.Register<ProgressActor>(view);
        });
}
