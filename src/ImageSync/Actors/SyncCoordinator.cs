using Akka.Actor;
using Akka.Hosting;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// The lock inside the process: at most one <see cref="SyncRun"/> at a time. A start request while a run is
/// going is refused with the reason (never queued, so a slow run cannot pile up work behind it); the
/// requester of the running sync gets its <see cref="SyncEvents.SyncFinished"/>.
/// </summary>
public sealed class SyncCoordinator : ReceiveActor
{
    private readonly ImageSyncSettings _settings;
    private readonly INodeTransport _transport;
    private readonly TimeProvider _clock;
    private long _runs;

    public SyncCoordinator(ImageSyncSettings settings, INodeTransport transport, TimeProvider clock)
    {
        _settings = settings;
        _transport = transport;
        _clock = clock;
        Idle();
    }

    public static Props Props(ImageSyncSettings settings, INodeTransport transport, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new SyncCoordinator(settings, transport, clock));

    // A run that throws cannot be trusted to continue: it is stopped, and its Terminated ends the sync with a fault.
    // The run never stops itself, so Terminated (a system message, which can overtake SyncFinished) means a crash.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(Directive.Stop));

    private void Idle()
    {
        Receive<SyncCommands.StartSync>(Start);
        Receive<SyncCommands.StopSync>(_ => { });
    }

    private void Running(IActorRef run, IActorRef requester, SyncCommands.StartSync request, DateTimeOffset startedAt)
    {
        Receive<SyncCommands.StartSync>(_ => Refuse(request, startedAt));
        Receive<SyncCommands.StopSync>(stop => run.Forward(stop));
        Receive<SyncEvents.SyncFinished>(finished => Sender.Equals(run), finished => Complete(run, requester, finished));
        Receive<Terminated>(gone => gone.ActorRef.Equals(run), _ => Complete(run, requester, new SyncEvents.SyncFinished(new SyncSummary(
            request.Mode, startedAt, _clock.GetUtcNow() - startedAt, [], SyncPlan.Empty, [], false, "the sync run stopped on an internal error (see the log)"))));
    }

    private void Start(SyncCommands.StartSync request)
    {
        var startedAt = _clock.GetLocalNow();
        var run = Context.ActorOf(SyncRun.Props(_settings, _transport, request, startedAt), $"run-{++_runs}");
        Context.Watch(run);
        var requester = Sender;
        Become(() => Running(run, requester, request, startedAt));
    }

    private void Refuse(SyncCommands.StartSync running, DateTimeOffset startedAt)
    {
        var refused = new SyncEvents.SyncRefused($"a sync is already running (started {startedAt:yyyy-MM-dd HH:mm:ss} for: {running.Reason})");
        Context.System.EventStream.Publish(refused);
        Sender.Tell(refused);
    }

    private void Complete(IActorRef run, IActorRef requester, SyncEvents.SyncFinished finished)
    {
        Context.Unwatch(run);
        Context.Stop(run);
        Context.System.EventStream.Publish(finished);
        requester.Tell(finished);
        Become(Idle);
    }
}

public static class SyncCoordinatorRegistration
{
    public static AkkaConfigurationBuilder AddSyncCoordinator(
        this AkkaConfigurationBuilder builder, ImageSyncSettings settings, INodeTransport transport, TimeProvider clock) =>
        builder.WithActors((system, registry) =>
            registry.Register<SyncCoordinator>(system.ActorOf(SyncCoordinator.Props(settings, transport, clock), "sync-coordinator")));
}
