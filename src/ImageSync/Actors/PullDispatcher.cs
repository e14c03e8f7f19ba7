using Akka.Actor;
using Akka.Routing;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// Runs a plan's pulls and settles each with exactly one outcome:
/// <list type="bullet">
/// <item>Jobs go to a bounded <see cref="RoundRobinPool"/> of <see cref="PullWorker"/>s by demand: a free
/// worker asks and gets the next pull the <see cref="PullQueue"/> picks (node with most work left, under its
/// cap). The pool owns and supervises the workers; jobs do not go through its round robin, which cannot see
/// which worker is busy.</item>
/// <item>Transient failures are retried with exponential backoff and jitter; permanent ones are not.</item>
/// <item>A canary's permanent failure skips the other nodes' pulls of that image.</item>
/// <item>Once a node has no more pulls, its images are read again: a "successful" pull whose image is
/// missing becomes FAILED.</item>
/// <item>A node whose pull got no answer at all (the watchdog fired) is frozen or cut off: it gets nothing more.</item>
/// </list>
/// </summary>
public sealed class PullDispatcher : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyDictionary<NodeName, INodeSession> _sessions;
    private readonly ImageSyncSettings _settings;
    private readonly TimeSpan _runStartedAt;
    private readonly int _total;
    private readonly PullQueue _queue;
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly Dictionary<PlannedPull, int> _attempts = [];
    private readonly HashSet<PlannedPull> _awaitingRetry = [];
    private readonly Dictionary<NodeName, List<PullOutcome>> _unverified = [];
    private readonly HashSet<NodeName> _verifying = [];
    private readonly Queue<IActorRef> _idleWorkers = new();
    private readonly List<PullOutcome> _outcomes = [];
    private readonly CancellationTokenSource _cancel = new();
    private IActorRef _workers = ActorRefs.Nobody;
    private long _lastJobId;
    private bool _stopping;

    public PullDispatcher(SyncPlan plan, IReadOnlyDictionary<NodeName, INodeSession> sessions, ImageSyncSettings settings, TimeSpan runStartedAt)
    {
        _sessions = sessions;
        _settings = settings;
        _runStartedAt = runStartedAt;
        _total = plan.Pulls.Count;
        _queue = new PullQueue(plan.Pulls, settings.Pull.MaxPerNode, settings.Pull.Canary);
        Dispatching();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private PullSettings Pull => _settings.Pull;

    private TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    public static Props Props(SyncPlan plan, IReadOnlyDictionary<NodeName, INodeSession> sessions, ImageSyncSettings settings, TimeSpan runStartedAt) =>
        Akka.Actor.Props.Create(() => new PullDispatcher(plan, sessions, settings, runStartedAt));

    protected override void PreStart()
    {
        // A crashed worker reports its pull FAILED itself (PreRestart) and asks for new work once restarted.
        var restartCrashed = new OneForOneStrategy(Decider.From(Directive.Restart));
        var size = Math.Min(Pull.MaxParallel, Math.Max(_total, 1));
        _workers = Context.ActorOf(PullWorker.Props(Self, Pull).WithRouter(new RoundRobinPool(size)).WithSupervisorStrategy(restartCrashed), "workers");
        FinishIfDone();
    }

    protected override void PostStop() => _cancel.Cancel();

    private void Dispatching()
    {
        Receive<PullWork.RequestWork>(_ => Offer(Sender));
        Receive<PullWork.Done>(Record);
        Receive<RetryDue>(due => Retry(due.Pull));
        Receive<Verified>(OnVerified);
        Receive<VerifyFailed>(failed => SettleUnverified(failed.Node, $"could not read its images again to verify its pulls: {failed.Reason}"));
        Receive<VerifyTimedOut>(late => SettleUnverified(late.Node, "its images could not be read again in time to verify its pulls"));
        Receive<SyncCommands.StopSync>(Interrupt);
    }

    /// <summary>After a stop: nothing new starts; the pulls in flight get the shutdown grace.</summary>
    private void Draining()
    {
        Receive<PullWork.RequestWork>(_ => { });
        Receive<PullWork.Done>(Record);
        Receive<GraceExpired>(_ => AbandonInFlight());
        Receive<SyncCommands.StopSync>(_ => { });
        Receive<RetryDue>(_ => { });
        Receive<Verified>(_ => { });
        Receive<VerifyFailed>(_ => { });
        Receive<VerifyTimedOut>(_ => { });
    }

    private void Offer(IActorRef worker)
    {
        if (_queue.TryTake(out var pull)) Assign(worker, pull);
        else _idleWorkers.Enqueue(worker);
    }

    private void Assign(IActorRef worker, PlannedPull pull)
    {
        var attempt = _attempts[pull] = _attempts.GetValueOrDefault(pull) + 1;
        var job = new PullWork.Job(++_lastJobId, pull, _sessions[pull.Node]);
        _inFlight[job.Id] = new InFlight(job, attempt, Now);
        worker.Tell(job);
        Context.System.EventStream.Publish(new SyncEvents.PullStarted(pull, attempt));
    }

    private void WakeIdleWorkers()
    {
        while (_idleWorkers.Count > 0 && _queue.TryTake(out var next)) Assign(_idleWorkers.Dequeue(), next);
    }

    private void Record(PullWork.Done done)
    {
        // An outcome counts once: a late or repeated report of a job already settled is dropped.
        if (!_inFlight.Remove(done.JobId, out var ended)) return;
        var pull = ended.Job.Pull;
        var outcome = done.Outcome with { Attempts = ended.Attempt };
        _queue.Done(pull);
        Context.System.EventStream.Publish(new SyncEvents.PullAttemptEnded(pull, ended.Attempt, outcome.Result));

        if (outcome.IsSuccess) Succeeded(outcome);
        else Failed(outcome, done.NodeStoppedAnswering);
        MoveOn();
    }

    /// <summary>
    /// After anything changed: free workers get waiting pulls, nodes left with nothing to do get verified
    /// (a canary's verdict elsewhere can empty a node), and the dispatcher reports once all is settled.
    /// </summary>
    private void MoveOn()
    {
        WakeIdleWorkers();
        foreach (var node in _unverified.Keys.ToList()) VerifyIfDone(node);
        FinishIfDone();
    }

    private void Succeeded(PullOutcome outcome)
    {
        if (_queue.IsCanary(outcome.Pull)) _queue.ReleaseHeld(outcome.Pull.Image);
        // While stopping there is no time to read nodes again: crictl's word is taken.
        if (Pull.Verify && !_stopping) Unverified(outcome.Pull.Node).Add(outcome);
        else Settle(outcome);
    }

    private void Failed(PullOutcome outcome, bool nodeStoppedAnswering)
    {
        var pull = outcome.Pull;
        var kind = nodeStoppedAnswering ? FailureKind.Node : PullFailure.Classify(outcome.Result, outcome.Reason);
        if (_queue.IsCanary(pull))
        {
            // Only a permanent failure condemns the image; anything else lets the other nodes go ahead at once.
            if (kind == FailureKind.Permanent) SkipAll(_queue.DropHeld(pull.Image), $"not tried: the first pull of this image, on {pull.Node}, failed for good ({outcome.Reason})");
            else _queue.ReleaseHeld(pull.Image);
        }
        if (nodeStoppedAnswering)
        {
            NodeStoppedAnswering(outcome);
            return;
        }
        if (kind == FailureKind.Transient && outcome.Attempts <= Pull.Retries && !_stopping)
        {
            var delay = Backoff(outcome.Attempts);
            _awaitingRetry.Add(pull);
            Timers.StartSingleTimer(pull, new RetryDue(pull), delay);
            Context.System.EventStream.Publish(new SyncEvents.PullRetrying(pull, outcome.Attempts + 1, Pull.Retries + 1, delay, outcome.Reason ?? ""));
            return;
        }
        Settle(outcome);
    }

    private void NodeStoppedAnswering(PullOutcome outcome)
    {
        var node = outcome.Pull.Node;
        Settle(outcome);
        SkipAll(_queue.DropNode(node), $"not started: {node} stopped answering ({outcome.Reason})");
        SettleUnverified(node, "stopped answering before its pulls could be verified");
    }

    private void Retry(PlannedPull pull)
    {
        _awaitingRetry.Remove(pull);
        _queue.Requeue(pull);
        MoveOn();
    }

    /// <summary>Exponential backoff from <c>retry-backoff</c>, with ±25% jitter so retries of many nodes do not stampede.</summary>
    private TimeSpan Backoff(int failedAttempts) =>
        Pull.RetryBackoff * Math.Pow(2, failedAttempts - 1) * (0.75 + Random.Shared.NextDouble() / 2);

    private void VerifyIfDone(NodeName node)
    {
        if (_verifying.Contains(node) || !_queue.IsIdle(node) || _awaitingRetry.Any(p => p.Node == node)) return;
        if (!_unverified.TryGetValue(node, out var pending) || pending.Count == 0) return;
        _verifying.Add(node);
        // The session's own command-timeout bounds the read; this timer bounds it on any transport.
        Timers.StartSingleTimer(("verify", node), new VerifyTimedOut(node), _settings.Ssh.CommandTimeout + TimeSpan.FromSeconds(5));
        _sessions[node].ListImagesAsync(_cancel.Token)
            .PipeTo(Self, success: inventory => new Verified(node, inventory), failure: error => new VerifyFailed(node, NodeException.ReasonOf(error)));
    }

    private void OnVerified(Verified verified)
    {
        Timers.Cancel(("verify", verified.Node));
        _verifying.Remove(verified.Node);
        if (!_unverified.Remove(verified.Node, out var pending)) return;
        var present = verified.Inventory.Images.SelectMany(i => i.Tags.Concat(i.Digests)).ToHashSet();
        foreach (var outcome in pending)
        {
            Settle(present.Contains(outcome.Pull.Image)
                ? outcome
                : outcome with { Result = PullResult.Failed, Reason = "not present after pull: crictl reported success, but the node does not list the image" });
        }
        FinishIfDone();
    }

    /// <summary>Successes that cannot be verified stay successes (crictl said so), with a warning.</summary>
    private void SettleUnverified(NodeName node, string why)
    {
        _verifying.Remove(node);
        if (!_unverified.Remove(node, out var pending) || pending.Count == 0) return;
        Context.System.EventStream.Publish(new SyncEvents.NodeWarning(node, $"{pending.Count} successful pulls not verified: {why}"));
        foreach (var outcome in pending) Settle(outcome);
        FinishIfDone();
    }

    private void Interrupt(SyncCommands.StopSync stop)
    {
        _stopping = true;
        SkipAll(_queue.DropAll(), $"not started: {stop.Why}");
        SkipAll(_awaitingRetry.OrderBy(p => p.ToString()).ToList(), $"not retried: {stop.Why}");
        _awaitingRetry.Clear();
        foreach (var node in _unverified.Keys.ToList()) SettleUnverified(node, stop.Why);
        Become(Draining);
        if (_inFlight.Count > 0) Timers.StartSingleTimer(nameof(GraceExpired), GraceExpired.Instance, _settings.ShutdownGrace);
        FinishIfDone();
    }

    private void AbandonInFlight()
    {
        foreach (var ended in _inFlight.Values.OrderBy(j => j.Job.Id))
        {
            var reason = $"interrupted: abandoned after the {Durations.Show(_settings.ShutdownGrace)} shutdown grace";
            Settle(new PullOutcome(ended.Job.Pull, PullResult.Failed, reason, Now - ended.StartedAt, ended.Attempt));
        }
        _inFlight.Clear();
        FinishIfDone();
    }

    private void SkipAll(IEnumerable<PlannedPull> pulls, string reason)
    {
        foreach (var pull in pulls) Settle(new PullOutcome(pull, PullResult.Skipped, reason, TimeSpan.Zero, _attempts.GetValueOrDefault(pull)));
    }

    private List<PullOutcome> Unverified(NodeName node) =>
        _unverified.TryGetValue(node, out var pending) ? pending : _unverified[node] = [];

    private void Settle(PullOutcome outcome)
    {
        var settled = outcome with { FinishedAfter = Now - _runStartedAt };
        _outcomes.Add(settled);
        Context.System.EventStream.Publish(new SyncEvents.PullFinished(settled));
    }

    private void FinishIfDone()
    {
        if (_outcomes.Count < _total) return;
        Context.Parent.Tell(new PullWork.AllDone(_outcomes.ToList()));
        // Stopping the workers cancels pulls abandoned after the grace. The dispatcher itself stays until the
        // run stops it: stopping here could let its Terminated overtake AllDone at the parent.
        Context.Stop(_workers);
        Become(() => { });
    }

    private sealed record InFlight(PullWork.Job Job, int Attempt, TimeSpan StartedAt);

    private sealed record RetryDue(PlannedPull Pull);

    private sealed record Verified(NodeName Node, NodeInventory Inventory);

    private sealed record VerifyFailed(NodeName Node, string Reason);

    private sealed record VerifyTimedOut(NodeName Node);

    private sealed class GraceExpired
    {
        public static readonly GraceExpired Instance = new();

        private GraceExpired()
        {
        }
    }
}
