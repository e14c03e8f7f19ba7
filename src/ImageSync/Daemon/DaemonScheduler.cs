using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using ImageSync.Actors;

namespace ImageSync.Daemon;

/// <summary>
/// The daemon's clock: asks for a sync at start, then every <c>daemon.interval</c> with ±10% jitter (so
/// replicas and neighbouring daemons do not fire together). A tick while a sync runs is refused by the
/// coordinator and skipped, never queued. Every replica runs one; only the coordinator decides, and it
/// refuses a tick that comes too soon after the last sync started (<see cref="SyncCoordinator.MinimumSpacing"/>),
/// so a trio syncs once per interval, not three times. Both run on monotonic clocks (Akka's timers, the
/// coordinator's TimeProvider timestamps): a wall clock stepped back or forward moves no tick.
/// </summary>
public sealed class DaemonScheduler : ReceiveActor, IWithTimers
{
    private const string TickTimer = "tick";
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(30);

    private readonly IActorRef _coordinator;
    private readonly Func<TimeSpan> _interval;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public DaemonScheduler(IActorRef coordinator, Func<TimeSpan> interval)
    {
        _coordinator = coordinator;
        _interval = interval;
        Ticking();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef coordinator, Func<TimeSpan> interval) =>
        Akka.Actor.Props.Create(() => new DaemonScheduler(coordinator, interval));

    protected override void PreStart() => Self.Tell(Tick.Instance);

    private void Ticking()
    {
        Receive<Tick>(_ =>
        {
            var interval = _interval();
            _coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.TriggerSync("daemon interval"), AskLimit)
                .PipeTo(Self, failure: error => new Unanswered(error.Message));
            Timers.StartSingleTimer(TickTimer, Tick.Instance, Jittered(interval));
        });
        Receive<SyncEvents.SyncAccepted>(_ => { });
        Receive<SyncEvents.SyncRefused>(refused => _log.Info("tick skipped: {0}", refused.Why));
        Receive<Unanswered>(late => _log.Warning("tick skipped: the coordinator did not answer ({0})", late.Why));
        Receive<SchedulerCommands.StopTicking>(_ =>
        {
            Timers.CancelAll();
            Sender.Tell(SchedulerCommands.TickingStopped.Instance);
            Become(() => Receive<object>(_ => { }));
        });
    }

    private static TimeSpan Jittered(TimeSpan interval) => interval * (0.9 + Random.Shared.NextDouble() * 0.2);

    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();

        private Tick()
        {
        }
    }

    private sealed record Unanswered(string Why) : INoSerializationVerificationNeeded;
}

public static class SchedulerCommands
{
    /// <summary>No more ticks: the daemon is stopping. Answered with <see cref="TickingStopped"/>.</summary>
    public sealed class StopTicking : INoSerializationVerificationNeeded
    {
        public static readonly StopTicking Instance = new();

        private StopTicking()
        {
        }
    }

    public sealed class TickingStopped : INoSerializationVerificationNeeded
    {
        public static readonly TickingStopped Instance = new();

        private TickingStopped()
        {
        }
    }
}

public static class DaemonSchedulerRegistration
{
    public static AkkaConfigurationBuilder AddDaemonScheduler(this AkkaConfigurationBuilder builder, ReloadableSetup setup) =>
        builder.WithActors((system, registry) =>
        {
            var coordinator = registry.Get<SyncCoordinator>();
            registry.Register<DaemonScheduler>(system.ActorOf(DaemonScheduler.Props(coordinator, () => setup.Current.Settings.Daemon.Interval), "daemon-scheduler"));
        });
}
