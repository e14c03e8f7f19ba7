using Akka.Actor;
using Akka.Hosting;
using ImageSync.Cluster;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// The lock. Inside the process it runs at most one <see cref="SyncRun"/> at a time: a start request while a
/// run is going is refused with the reason, never queued, so a slow run cannot pile up work behind it.
/// Between processes it holds the lock file (flock) for each sync, so a cron run, a daemon and the old
/// bash tool never overlap. In a cluster it runs as the singleton, so replicas never overlap either.
/// </summary>
public sealed class SyncCoordinator : ReceiveActor
{
    private readonly ReloadableSetup _setup;
    private readonly IRunGate _gate;
    private readonly TimeProvider _clock;
    private readonly CoordinatorPresence? _presence;
    private static readonly TimeSpan ConfirmationLimit = TimeSpan.FromSeconds(5);
    private readonly bool _asSingleton;
    private readonly Func<IActorRef, ActorSystem, INodeTransport>? _nodesOnReplicas;
    private IActorRef? _membership;
    private long _runs;
    private Run? _latest;

    /// <param name="presence">Told when this coordinator starts and stops (the daemon's metrics and shutdown use it).</param>
    /// <param name="asSingleton">
    /// It runs as a cluster's singleton: it syncs as soon as it starts (taking over, it cannot know when the last sync
    /// ran), and starts a sync only once its replica's <see cref="ReplicaMembership"/> confirmed with a majority of
    /// the replicas that this one is still a member.
    /// </param>
    /// <param name="nodesOnReplicas">
    /// The nodes' sessions live on the replicas that own them (<see cref="NodeEntity"/>): given this coordinator, the
    /// transport that reaches them (from its actor system's registry). Null: the runs connect from this process.
    /// </param>
    public SyncCoordinator(ReloadableSetup setup, IRunGate gate, TimeProvider clock, CoordinatorPresence? presence = null, bool asSingleton = false,
        Func<IActorRef, ActorSystem, INodeTransport>? nodesOnReplicas = null)
    {
        _nodesOnReplicas = nodesOnReplicas;
        _setup = setup;
        _gate = gate;
        _clock = clock;
        _presence = presence;
        _asSingleton = asSingleton;
        Idle();
    }

    public static Props Props(ReloadableSetup setup, IRunGate gate, TimeProvider clock, CoordinatorPresence? presence = null, bool asSingleton = false,
        Func<IActorRef, ActorSystem, INodeTransport>? nodesOnReplicas = null) =>
        Akka.Actor.Props.Create(() => new SyncCoordinator(setup, gate, clock, presence, asSingleton, nodesOnReplicas));

    protected override void PreStart()
    {
        _presence?.Arrived(Self);
        if (!_asSingleton) return;
        _membership = ActorRegistry.For(Context.System).Get<ReplicaMembership>();
        Self.Tell(new SyncCommands.TriggerSync("this replica took over as coordinator"), ActorRefs.Nobody);
    }

    protected override void PostStop() => _presence?.Left(Self);

    // A run that throws cannot be trusted to continue: it is stopped, and its Terminated ends the sync with a fault.
    // The run never stops itself, so Terminated (a system message, which can overtake SyncFinished) means a crash.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(Directive.Stop));

    private void Idle()
    {
        Receive<SyncCommands.StartSync>(request => Start(request, Sender, waitsForSummary: true));
        Receive<SyncCommands.TriggerSync>(Trigger);
        Receive<SyncCommands.StopSync>(_ => { });
        Receive<SyncCommands.Shutdown>(_ => Context.Stop(Self));
        // The answer to a confirmation given up on by a stop.
        Receive<Confirmation>(_ => { });
    }

    /// <summary>A sync waits for the majority's word that this replica is still a member; then it starts, or is refused.</summary>
    private void Confirming(Pending pending)
    {
        Receive<Confirmation>(answer => ReferenceEquals(answer.For, pending), answer =>
        {
            if (answer.Refusal is null)
            {
                Begin(pending);
                return;
            }
            Refuse(new SyncEvents.SyncRefused($"no sync started here: {answer.Refusal}", SyncEvents.RefusalKind.NotConfirmed), pending.Requester);
            Become(Idle);
        });
        Receive<Confirmation>(_ => { });
        Receive<SyncCommands.StartSync>(_ => Refuse("a sync is about to start", SyncEvents.RefusalKind.AlreadyRunning));
        Receive<SyncCommands.TriggerSync>(_ => Refuse("a sync is about to start", SyncEvents.RefusalKind.AlreadyRunning));
        Receive<SyncCommands.StopSync>(stop =>
        {
            Refuse(new SyncEvents.SyncRefused($"no sync started: {stop.Why}", SyncEvents.RefusalKind.ShuttingDown), pending.Requester);
            Become(Idle);
        });
        Receive<SyncCommands.Shutdown>(_ =>
        {
            Refuse(new SyncEvents.SyncRefused("image-sync is shutting down", SyncEvents.RefusalKind.ShuttingDown), pending.Requester);
            Context.Stop(Self);
        });
    }

    private void Running(Run run)
    {
        Receive<SyncCommands.StartSync>(_ => Refuse(run.AlreadyRunning(), SyncEvents.RefusalKind.AlreadyRunning));
        Receive<SyncCommands.TriggerSync>(_ => Refuse(run.AlreadyRunning(), SyncEvents.RefusalKind.AlreadyRunning));
        Receive<SyncCommands.StopSync>(stop => run.Actor.Forward(stop));
        Receive<SyncCommands.Shutdown>(_ =>
        {
            run.Actor.Tell(new SyncCommands.StopSync("image-sync is shutting down"));
            Become(() => Stopping(run));
        });
        Receive<SyncEvents.SyncFinished>(finished => Sender.Equals(run.Actor), finished => Complete(run, finished));
        Receive<Terminated>(gone => gone.ActorRef.Equals(run.Actor), _ => Complete(run, Crashed(run)));
    }

    /// <summary>Shutting down: the running sync is wrapping up its pulls; then the coordinator stops.</summary>
    private void Stopping(Run run)
    {
        Receive<SyncCommands.StartSync>(_ => Refuse("image-sync is shutting down", SyncEvents.RefusalKind.ShuttingDown));
        Receive<SyncCommands.TriggerSync>(_ => Refuse("image-sync is shutting down", SyncEvents.RefusalKind.ShuttingDown));
        // An abandon cuts the grace short.
        Receive<SyncCommands.StopSync>(stop => run.Actor.Forward(stop));
        Receive<SyncCommands.Shutdown>(_ => { });
        Receive<SyncEvents.SyncFinished>(finished => Sender.Equals(run.Actor), finished =>
        {
            Complete(run, finished);
            Context.Stop(Self);
        });
        Receive<Terminated>(gone => gone.ActorRef.Equals(run.Actor), _ =>
        {
            Complete(run, Crashed(run));
            Context.Stop(Self);
        });
    }

    private void Trigger(SyncCommands.TriggerSync trigger)
    {
        // Measured on the monotonic clock: a wall clock stepped back (NTP, a VM restore) must not suppress syncs.
        var spacing = MinimumSpacing(_setup.Current.Settings.Daemon.Interval);
        if (_latest is { } last && _clock.GetElapsedTime(last.Timestamp) < spacing)
        {
            Refuse($"the last sync started at {Timestamps.Show(last.StartedAt)}, less than {Durations.Show(spacing)} ago", SyncEvents.RefusalKind.RecentlySynced);
            return;
        }
        Start(new SyncCommands.StartSync(trigger.Reason), Sender, waitsForSummary: false);
    }

    /// <summary>
    /// How soon after a sync started another trigger is refused: every replica's clock asks each interval, and the
    /// replicas together sync once per interval. Below the ticks' jitter (0.9), so a lone daemon's tick is never early.
    /// </summary>
    public static TimeSpan MinimumSpacing(TimeSpan interval) => interval * 0.8;

    private void Start(SyncCommands.StartSync request, IActorRef requester, bool waitsForSummary)
    {
        var pending = new Pending(request, requester, waitsForSummary);
        // Only a run changes nodes; plan and check read them, alongside anything.
        if (_membership is null || request.Mode != SyncMode.Run)
        {
            Begin(pending);
            return;
        }
        // The membership answers within its own limit; this one covers a membership that restarted and forgot the question.
        _membership.Ask<object>(MembershipCommands.ConfirmMembership.Instance, ConfirmationLimit).PipeTo(Self,
            success: answer => new Confirmation(pending, answer switch
            {
                MembershipEvents.Confirmed => null,
                MembershipEvents.NotConfirmed no => no.Why,
                _ => $"an unexpected answer from this replica's membership: {answer}",
            }),
            failure: _ => new Confirmation(pending, $"this replica's membership did not answer within {Durations.Show(ConfirmationLimit)}"));
        Become(() => Confirming(pending));
    }

    private void Begin(Pending pending)
    {
        var (request, requester, waitsForSummary) = pending;
        var held = _setup.Hold(out var setup);
        IDisposable? locked = null;
        if (request.Mode == SyncMode.Run && RunGate.TryLock(_gate, setup.Settings.LockFile, out locked) is { } refusal)
        {
            held.Dispose();
            Refuse(refusal, requester);
            Become(Idle);
            return;
        }

        var startedAt = _clock.GetLocalNow();
        var transport = _nodesOnReplicas?.Invoke(Self, Context.System) ?? setup.Transport;
        var actor = Context.ActorOf(SyncRun.Props(setup.Settings, transport, setup.Nodes, request, startedAt), $"run-{++_runs}");
        Context.Watch(actor);
        if (!waitsForSummary) requester.Tell(new SyncEvents.SyncAccepted(request.Reason));
        var run = new Run(actor, waitsForSummary ? requester : ActorRefs.Nobody, request, startedAt, _clock.GetTimestamp(), locked is null ? [held] : [held, locked]);
        _latest = run;
        Become(() => Running(run));
    }

    private void Refuse(string why, SyncEvents.RefusalKind kind) => Refuse(new SyncEvents.SyncRefused(why, kind), Sender);

    private void Refuse(SyncEvents.SyncRefused refused, IActorRef requester)
    {
        Context.System.EventStream.Publish(refused);
        requester.Tell(refused);
    }

    private SyncEvents.SyncFinished Crashed(Run run) => new(new SyncSummary(
        run.Request.Mode, run.StartedAt, _clock.GetElapsedTime(run.Timestamp), [], SyncPlan.Empty, [], false,
        "the sync run stopped on an internal error (see the log)"));

    private void Complete(Run run, SyncEvents.SyncFinished finished)
    {
        Context.Unwatch(run.Actor);
        Context.Stop(run.Actor);
        foreach (var held in run.Held) held.Dispose();
        Context.System.EventStream.Publish(finished);
        run.Requester.Tell(finished);
        Become(Idle);
    }

    /// <summary>A sync asked for, not started yet.</summary>
    private sealed record Pending(SyncCommands.StartSync Request, IActorRef Requester, bool WaitsForSummary);

    /// <summary>The membership's word on <paramref name="For"/> (compared by reference: a late word on an older request is moot).</summary>
    /// <param name="Refusal">Why the sync may not start; null when it may.</param>
    private sealed record Confirmation(Pending For, string? Refusal) : INoSerializationVerificationNeeded;

    /// <param name="Requester">Who gets the summary; Nobody for a triggered sync.</param>
    /// <param name="StartedAt">The wall clock at the start, for people to read.</param>
    /// <param name="Timestamp">The monotonic clock at the start, for measuring time since.</param>
    /// <param name="Held">What the run holds until it ends: its setup (transport), and the lock file for a run.</param>
    private sealed record Run(IActorRef Actor, IActorRef Requester, SyncCommands.StartSync Request, DateTimeOffset StartedAt, long Timestamp, IReadOnlyList<IDisposable> Held)
    {
        public string AlreadyRunning() => $"a sync is already running (started {Timestamps.Show(StartedAt)} for: {Request.Reason})";
    }
}

public static class SyncCoordinatorRegistration
{
    public static AkkaConfigurationBuilder AddSyncCoordinator(this AkkaConfigurationBuilder builder, Props coordinator) =>
        builder.WithActors((system, registry) => registry.Register<SyncCoordinator>(system.ActorOf(coordinator, "sync-coordinator")));
}
