using Akka.Actor;
using Akka.Routing;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// Runs a plan's pulls. What happens to each pull (which goes next, retries, canaries, verification, what
/// is settled) is decided by <see cref="PullDispatchState"/>; this actor turns messages into calls on it,
/// and its decisions into jobs for workers, timers, node reads and events.
/// </summary>
public sealed class PullDispatcher : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyDictionary<NodeName, INodeSession> _sessions;
    private readonly PullDispatchState _state;
    private readonly TimeSpan _verifyLimit;
    private readonly PullSettings _pull;
    private readonly TransferSettings _transfer;
    private readonly IReadOnlyDictionary<NodeName, NodeFacts> _facts;
    private readonly Queue<IActorRef> _idleWorkers = new();
    private readonly CancellationTokenSource _cancel = new();
    private IActorRef _workers = ActorRefs.Nobody;

    public PullDispatcher(SyncPlan plan, IReadOnlyDictionary<NodeName, INodeSession> sessions, IReadOnlyDictionary<NodeName, NodeFacts> facts,
        ImageSyncSettings settings, TimeSpan runStartedAt)
    {
        _sessions = sessions;
        _pull = settings.Pull;
        _transfer = settings.Transfer;
        _facts = facts;
        _state = new PullDispatchState(plan, facts, settings.Dispatch, runStartedAt, Random.Shared.NextDouble);
        // The session's own command-timeout bounds a verifying read; this bounds it on any transport.
        _verifyLimit = settings.Ssh.CommandTimeout + TimeSpan.FromSeconds(5);

        Receive<PullWork.RequestWork>(_ =>
        {
            _idleWorkers.Enqueue(Sender);
            HandOutWork();
        });
        Receive<PullWork.Done>(done => Act(_state.AttemptEnded(done.JobId, done.Outcome, done.NodeStoppedAnswering, Now, done.SourceFailed, done.ReplicaLost,
            done.SourceCannotExport)));
        Receive<RetryDue>(due => Act(_state.RetryDue(due.Pull, Now)));
        Receive<Verified>(verified =>
        {
            Timers.Cancel(VerifyTimer(verified.Node));
            Act(_state.Verified(verified.Node, verified.Inventory, Now));
        });
        Receive<VerifyFailed>(failed => Act(_state.NotVerified(failed.Node, $"could not read its images again to verify its pulls: {failed.Reason}", Now)));
        Receive<VerifyTimedOut>(late => Act(_state.NotVerified(late.Node, "its images could not be read again in time to verify its pulls", Now)));
        Receive<DiskRead>(read =>
        {
            if (read.Error is not null) Publish(new SyncEvents.NodeWarning(read.Node, $"could not read its image filesystem again: {read.Error}"));
            Act(_state.DiskRead(read.Node, read.ImageFs, Now));
        });
        Receive<SyncCommands.StopSync>(stop => Act(_state.Stop(stop.Why, Now, stop.Abandon)));
        Receive<GraceExpired>(_ => Act(_state.GraceExpired(Now)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    public static Props Props(SyncPlan plan, IReadOnlyDictionary<NodeName, INodeSession> sessions, IReadOnlyDictionary<NodeName, NodeFacts> facts,
        ImageSyncSettings settings, TimeSpan runStartedAt) =>
        Akka.Actor.Props.Create(() => new PullDispatcher(plan, sessions, facts, settings, runStartedAt));

    protected override void PreStart()
    {
        // The pool owns, bounds and supervises the workers (a crashed one reports its pull FAILED itself and
        // asks for new work once restarted). Jobs do not go through its round robin, which cannot see which
        // worker is busy: a free worker asks for its next pull.
        var restartCrashed = new OneForOneStrategy(Decider.From(Directive.Restart));
        var size = Math.Min(_pull.MaxParallel, Math.Max(_state.Total, 1));
        _workers = Context.ActorOf(PullWorker.Props(Self, _pull).WithRouter(new RoundRobinPool(size)).WithSupervisorStrategy(restartCrashed), "workers");
        Act(_state.Start(Now));
    }

    protected override void PostStop() => _cancel.Cancel();

    /// <summary>Carries out the state's decisions, in order, then gives the idle workers what may start now.</summary>
    private void Act(IReadOnlyList<IPullDecision> decisions)
    {
        foreach (var decision in decisions) Act(decision);
        HandOutWork();
    }

    private void HandOutWork()
    {
        while (_idleWorkers.Count > 0 && _state.NextAttempt(Now) is { } attempt)
        {
            var from = attempt.Source is { } source
                ? new PullWork.CopySource(source, _sessions[source], CopyLimitsFor(attempt.Pull))
                : null;
            _idleWorkers.Dequeue().Tell(new PullWork.Job(attempt.JobId, attempt.Pull, _sessions[attempt.Pull.Node], from));
            Publish(new SyncEvents.PullStarted(attempt.Pull, attempt.Number, attempt.Source));
        }
    }

    /// <summary>A copy streams at most its image's size with a margin, and stops at the target's disk guard.</summary>
    private CopyLimits CopyLimitsFor(PlannedPull pull)
    {
        var disk = _pull.Disk;
        var floor = disk.Guards && _facts.GetValueOrDefault(pull.Node)?.ImageFs is { } imageFs ? new DiskFloor(imageFs.Path, disk.MaxUsage, disk.MinFree) : null;
        return new CopyLimits(_transfer.TimeLimit(pull.SizeBytes), _transfer.BandwidthLimit, pull.ImageId, CopyLimits.CapFor(pull.SizeBytes), floor);
    }

    private void Act(IPullDecision decision)
    {
        switch (decision)
        {
            case PullDecisions.AttemptRecorded ended:
                Publish(new SyncEvents.PullAttemptEnded(ended.Pull, ended.Attempt, ended.Result));
                break;
            case PullDecisions.RetryLater retry:
                Timers.StartSingleTimer(retry.Pull, new RetryDue(retry.Pull), retry.Delay);
                Publish(new SyncEvents.PullRetrying(retry.Pull, retry.NextAttempt, retry.MaxAttempts, retry.Delay, retry.Reason));
                break;
            case PullDecisions.Verify verify:
                Timers.StartSingleTimer(VerifyTimer(verify.Node), new VerifyTimedOut(verify.Node), _verifyLimit);
                _sessions[verify.Node].RunAsync(NodeCommand.ListImages.Instance, _cancel.Token).PipeTo(Self,
                    success: inventory => new Verified(verify.Node, inventory),
                    failure: error => new VerifyFailed(verify.Node, NodeException.ReasonOf(error)));
                break;
            case PullDecisions.ReadDisk read:
                _sessions[read.Node].RunAsync(new NodeCommand.ReadImageFs(read.Path), _cancel.Token).PipeTo(Self,
                    success: imageFs => new DiskRead(read.Node, imageFs, null),
                    failure: error => new DiskRead(read.Node, null, NodeException.ReasonOf(error)));
                break;
            case PullDecisions.Warn warn:
                Publish(new SyncEvents.NodeWarning(warn.Node, warn.Warning));
                break;
            case PullDecisions.Held held:
                Publish(new SyncEvents.PullSucceeded(held.Outcome));
                break;
            case PullDecisions.Settled settled:
                Publish(new SyncEvents.PullFinished(settled.Outcome, settled.WasHeld));
                break;
            case PullDecisions.StartGrace grace:
                Timers.StartSingleTimer(nameof(GraceExpired), GraceExpired.Instance, grace.Grace);
                break;
            case PullDecisions.AllSettled all:
                Context.Parent.Tell(new PullWork.AllDone(all.Outcomes));
                // Stopping the workers cancels pulls abandoned after the grace. The dispatcher itself stays until
                // the run stops it: stopping here could let its Terminated overtake AllDone at the parent.
                Context.Stop(_workers);
                break;
        }
    }

    private void Publish(SyncEvents.ISyncEvent syncEvent) => Context.System.EventStream.Publish(syncEvent);

    private static (string, NodeName) VerifyTimer(NodeName node) => ("verify", node);

    private sealed record RetryDue(PlannedPull Pull) : INoSerializationVerificationNeeded;

    private sealed record Verified(NodeName Node, NodeInventory Inventory) : INoSerializationVerificationNeeded;

    private sealed record VerifyFailed(NodeName Node, string Reason) : INoSerializationVerificationNeeded;

    private sealed record VerifyTimedOut(NodeName Node) : INoSerializationVerificationNeeded;

    /// <summary>A fresh df of the node's image filesystem, or why there is none.</summary>
    private sealed record DiskRead(NodeName Node, ImageFilesystem? ImageFs, string? Error) : INoSerializationVerificationNeeded;

    private sealed class GraceExpired : INoSerializationVerificationNeeded
    {
        public static readonly GraceExpired Instance = new();

        private GraceExpired()
        {
        }
    }
}
