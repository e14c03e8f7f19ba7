using Akka.Actor;
using Akka.Routing;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// Hands a run's planned pulls to a bounded pool of <see cref="PullWorker"/>s by demand: a worker that asks
/// gets the next pull of the node with the most work left that is under its per-node cap, biggest image
/// first. The pool is a <see cref="RoundRobinPool"/> of <c>max-parallel</c> workers that owns and supervises
/// them; jobs do not go through its round robin, which cannot see which worker is busy. Every planned pull
/// ends with exactly one outcome, published as it happens. A node whose pull got no answer at all (the
/// watchdog fired) is frozen or cut off: it is given nothing more, and its queued pulls are skipped, which
/// also keeps the abandoned channel counted against the node's cap.
/// </summary>
public sealed class PullDispatcher : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyDictionary<NodeName, INodeSession> _sessions;
    private readonly PullSettings _settings;
    private readonly TimeSpan _shutdownGrace;
    private readonly int _total;
    private readonly Dictionary<NodeName, Queue<PlannedPull>> _queued;
    private readonly Dictionary<NodeName, int> _inFlightOn = [];
    private readonly Dictionary<long, (PullWork.Job Job, TimeSpan StartedAt)> _inFlight = [];
    private readonly Queue<IActorRef> _idleWorkers = new();
    private readonly List<PullOutcome> _outcomes = [];
    private IActorRef _workers = ActorRefs.Nobody;
    private long _lastJobId;

    public PullDispatcher(SyncPlan plan, IReadOnlyDictionary<NodeName, INodeSession> sessions, PullSettings settings, TimeSpan shutdownGrace)
    {
        _sessions = sessions;
        _settings = settings;
        _shutdownGrace = shutdownGrace;
        _total = plan.Pulls.Count;
        _queued = plan.Pulls
            .GroupBy(p => p.Node)
            .ToDictionary(g => g.Key, g => new Queue<PlannedPull>(g.OrderByDescending(p => p.SizeBytes).ThenBy(p => p.Image)));
        Dispatching();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SyncPlan plan, IReadOnlyDictionary<NodeName, INodeSession> sessions, PullSettings settings, TimeSpan shutdownGrace) =>
        Akka.Actor.Props.Create(() => new PullDispatcher(plan, sessions, settings, shutdownGrace));

    protected override void PreStart()
    {
        // A crashed worker reports its pull FAILED itself (PreRestart) and asks for new work once restarted.
        var restartCrashed = new OneForOneStrategy(Decider.From(Directive.Restart));
        _workers = Context.ActorOf(
            PullWorker.Props(Self, _settings).WithRouter(new RoundRobinPool(Math.Min(_settings.MaxParallel, Math.Max(_total, 1)))).WithSupervisorStrategy(restartCrashed),
            "workers");
        FinishIfDone();
    }

    private void Dispatching()
    {
        Receive<PullWork.RequestWork>(_ => Offer(Sender));
        Receive<PullWork.Done>(Record);
        Receive<SyncCommands.StopSync>(Interrupt);
    }

    /// <summary>After a stop: no new pulls; the ones in flight get the shutdown grace.</summary>
    private void Draining()
    {
        Receive<PullWork.RequestWork>(_ => { });
        Receive<PullWork.Done>(Record);
        Receive<GraceExpired>(_ => AbandonInFlight());
        Receive<SyncCommands.StopSync>(_ => { });
    }

    private void Offer(IActorRef worker)
    {
        if (TryTakeNext(out var pull)) Assign(worker, pull);
        else _idleWorkers.Enqueue(worker);
    }

    private void Assign(IActorRef worker, PlannedPull pull)
    {
        var job = new PullWork.Job(++_lastJobId, pull, _sessions[pull.Node]);
        _inFlight[job.Id] = (job, Context.System.Scheduler.MonotonicClock);
        _inFlightOn[pull.Node] = _inFlightOn.GetValueOrDefault(pull.Node) + 1;
        worker.Tell(job);
    }

    private bool TryTakeNext(out PlannedPull pull)
    {
        var node = _queued
            .Where(q => q.Value.Count > 0 && _inFlightOn.GetValueOrDefault(q.Key) < _settings.MaxPerNode)
            .OrderByDescending(q => q.Value.Count)
            .ThenBy(q => q.Key)
            .Select(q => q.Key)
            .FirstOrDefault();
        pull = node is null ? null! : _queued[node].Dequeue();
        return node is not null;
    }

    private void Record(PullWork.Done done)
    {
        // An outcome counts once: a late or repeated report of a job already settled is dropped.
        if (!_inFlight.Remove(done.JobId, out var settled)) return;
        _inFlightOn[settled.Job.Pull.Node]--;
        Settle(done.Outcome);
        if (done.NodeStoppedAnswering) SkipQueued(settled.Job.Pull.Node, $"not started: {settled.Job.Pull.Node} stopped answering ({done.Outcome.Reason})");
        while (_idleWorkers.Count > 0 && TryTakeNext(out var next)) Assign(_idleWorkers.Dequeue(), next);
        FinishIfDone();
    }

    private void SkipQueued(NodeName node, string reason)
    {
        if (!_queued.Remove(node, out var queue)) return;
        foreach (var pull in queue) Settle(new PullOutcome(pull, PullResult.Skipped, reason, TimeSpan.Zero));
    }

    private void Interrupt(SyncCommands.StopSync stop)
    {
        foreach (var node in _queued.Keys.Order().ToList()) SkipQueued(node, $"not started: {stop.Why}");
        Become(Draining);
        if (_inFlight.Count > 0) Timers.StartSingleTimer(nameof(GraceExpired), GraceExpired.Instance, _shutdownGrace);
        FinishIfDone();
    }

    private void AbandonInFlight()
    {
        foreach (var (job, startedAt) in _inFlight.Values.OrderBy(j => j.Job.Id))
        {
            Settle(new PullOutcome(job.Pull, PullResult.Failed, $"interrupted: abandoned after the {Durations.Show(_shutdownGrace)} shutdown grace",
                Context.System.Scheduler.MonotonicClock - startedAt));
        }
        _inFlight.Clear();
        FinishIfDone();
    }

    private void Settle(PullOutcome outcome)
    {
        _outcomes.Add(outcome);
        Context.System.EventStream.Publish(new SyncEvents.PullFinished(outcome));
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

    private sealed class GraceExpired
    {
        public static readonly GraceExpired Instance = new();

        private GraceExpired()
        {
        }
    }
}
