using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using ImageSync.Domain;
using ImageSync.Metrics;

namespace ImageSync.Cluster;

/// <summary>
/// Shares what each sync leaves in the gauges with every replica of the cluster: the replica whose coordinator ran the
/// sync publishes its <see cref="FleetReport"/> (Distributed Publish-Subscribe), and every replica, that one included,
/// applies it to its own metrics. So a standby's <c>/metrics</c> tells the cluster's last success, not its own
/// (never), and one alert rule works on any replica, before and after a failover.
/// </summary>
public sealed class MetricsGossip : ReceiveActor, IWithTimers
{
    public const string Topic = "image-sync-metrics";
    // Subscriptions spread between replicas in a second or so: the last report goes out again, so a replica that joined
    // (or subscribed) after a sync still learns of it. Applying a report twice changes nothing.
    private static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(5);
    private readonly IActorRef _mediator;
    private FleetReport? _latest;

    public MetricsGossip(SyncMetrics metrics, IActorRef mediator)
    {
        _mediator = mediator;
        Receive<SyncEvents.SyncFinished>(finished => finished.Summary.Mode == SyncMode.Run, finished =>
        {
            _latest = metrics.ReportOf(finished.Summary);
            _mediator.Tell(new Publish(Topic, _latest));
        });
        Receive<Repeat>(_ =>
        {
            if (_latest is not null) _mediator.Tell(new Publish(Topic, _latest));
        });
        Receive<FleetReport>(metrics.Apply);
        Receive<SubscribeAck>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SyncMetrics metrics, IActorRef mediator) => Akka.Actor.Props.Create(() => new MetricsGossip(metrics, mediator));

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(Topic, Self));
        Context.System.EventStream.Subscribe(Self, typeof(SyncEvents.SyncFinished));
        Timers.StartPeriodicTimer(nameof(Repeat), Repeat.Instance, RepeatEvery);
    }

    private sealed class Repeat : INoSerializationVerificationNeeded
    {
        public static readonly Repeat Instance = new();

        private Repeat()
        {
        }
    }
}

public static class MetricsGossipRegistration
{
    public static AkkaConfigurationBuilder AddMetricsGossip(this AkkaConfigurationBuilder builder, SyncMetrics metrics) =>
        builder.WithActors((system, registry) =>
            registry.Register<MetricsGossip>(system.ActorOf(MetricsGossip.Props(metrics, DistributedPubSub.Get(system).Mediator), "metrics-gossip")));
}
