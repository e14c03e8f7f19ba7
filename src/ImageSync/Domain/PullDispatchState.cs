using ImageSync.Configuration;

namespace ImageSync.Domain;

/// <summary>
/// The bookkeeping of a run's pulls, apart from any actor: which pull a free worker gets next, how many
/// attempts each had, retries waiting for their backoff, canary verdicts, successes waiting to be verified,
/// and what is settled. Every planned pull is settled exactly once. Each event returns the decisions it
/// leads to, in order; the <c>PullDispatcher</c> turns them into messages, timers and events.
/// </summary>
/// <param name="now">Times are the run's monotonic clock; <paramref name="runStartedAt"/> is on the same clock.</param>
/// <param name="jitter">A number in [0, 1) per retry, spreading the retries of many nodes apart.</param>
public sealed class PullDispatchState(SyncPlan plan, PullSettings pull, TimeSpan shutdownGrace, TimeSpan runStartedAt, Func<double> jitter)
{
    private readonly PullQueue _queue = new(plan.Pulls, pull.MaxPerNode, pull.Canary);
    private readonly int _total = plan.Pulls.Count;
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly Dictionary<PlannedPull, int> _attempts = [];
    private readonly HashSet<PlannedPull> _awaitingRetry = [];
    private readonly Dictionary<NodeName, List<PullOutcome>> _unverified = [];
    private readonly HashSet<NodeName> _verifying = [];
    private readonly List<PullOutcome> _outcomes = [];
    private readonly List<IPullDecision> _decisions = [];
    private long _lastJobId;
    private bool _stopping;
    private bool _allSettled;

    /// <summary>How many pulls the plan holds; each gets exactly one outcome.</summary>
    public int Total => _total;

    /// <summary>What the plan needs before any worker asks: nothing, or that all is settled when it has no pulls.</summary>
    public IReadOnlyList<IPullDecision> Start() => Decide(FinishIfDone);

    /// <summary>The next attempt for a free worker; null when nothing may start now (caps, canaries, a stop).</summary>
    public PullAttempt? NextAttempt(TimeSpan now)
    {
        if (_stopping || !_queue.TryTake(out var next)) return null;
        var attempt = _attempts[next] = _attempts.GetValueOrDefault(next) + 1;
        var started = new PullAttempt(++_lastJobId, next, attempt);
        _inFlight[started.JobId] = new InFlight(started, now);
        return started;
    }

    /// <summary>An attempt ended. A late or repeated report of an attempt already settled changes nothing.</summary>
    /// <param name="nodeStoppedAnswering">The local watchdog fired: the node is frozen or cut off and gets nothing more.</param>
    public IReadOnlyList<IPullDecision> AttemptEnded(long jobId, PullOutcome outcome, bool nodeStoppedAnswering, TimeSpan now) => Decide(() =>
    {
        if (!_inFlight.Remove(jobId, out var ended)) return;
        var attempt = ended.Attempt;
        var counted = outcome with { Attempts = attempt.Number };
        _queue.Done(attempt.Pull);
        _decisions.Add(new PullDecisions.AttemptRecorded(attempt.Pull, attempt.Number, counted.Result));
        if (counted.IsSuccess) Succeeded(counted, now);
        else Failed(counted, nodeStoppedAnswering, now);
        MoveOn();
    });

    public IReadOnlyList<IPullDecision> RetryDue(PlannedPull due, TimeSpan now) => Decide(() =>
    {
        if (!_awaitingRetry.Remove(due)) return;
        _queue.Requeue(due);
        MoveOn();
    });

    /// <summary>A node's images, read again once its pulls were done: a success whose image is missing becomes FAILED.</summary>
    public IReadOnlyList<IPullDecision> Verified(NodeName node, NodeInventory inventory, TimeSpan now) => Decide(() =>
    {
        _verifying.Remove(node);
        if (!_unverified.Remove(node, out var pending)) return;
        var present = inventory.Images.SelectMany(i => i.Tags.Concat(i.Digests)).ToHashSet();
        foreach (var outcome in pending)
        {
            Settle(present.Contains(outcome.Pull.Image)
                ? outcome
                : outcome with { Result = PullResult.Failed, Reason = "not present after pull: crictl reported success, but the node does not list the image" }, now);
        }
        FinishIfDone();
    });

    /// <summary>The node's images could not be read again: its successes stay successes (crictl said so), with a warning.</summary>
    public IReadOnlyList<IPullDecision> NotVerified(NodeName node, string why, TimeSpan now) => Decide(() => SettleUnverified(node, why, now));

    /// <summary>A stop: nothing new starts, waiting pulls are skipped, the ones in flight get the shutdown grace.</summary>
    public IReadOnlyList<IPullDecision> Stop(string why, TimeSpan now) => Decide(() =>
    {
        if (_stopping) return;
        _stopping = true;
        SkipAll(_queue.DropAll(), $"not started: {why}", now);
        SkipAll(_awaitingRetry.OrderBy(p => p.ToString()), $"not retried: {why}", now);
        _awaitingRetry.Clear();
        foreach (var node in _unverified.Keys.ToList()) SettleUnverified(node, why, now);
        if (_inFlight.Count > 0) _decisions.Add(new PullDecisions.StartGrace(shutdownGrace));
        FinishIfDone();
    });

    /// <summary>The shutdown grace is over: what is still in flight is FAILED, interrupted.</summary>
    public IReadOnlyList<IPullDecision> GraceExpired(TimeSpan now) => Decide(() =>
    {
        foreach (var (attempt, startedAt) in _inFlight.Values.OrderBy(f => f.Attempt.JobId))
        {
            var reason = $"interrupted: abandoned after the {Durations.Show(shutdownGrace)} shutdown grace";
            Settle(new PullOutcome(attempt.Pull, PullResult.Failed, reason, now - startedAt, attempt.Number), now);
        }
        _inFlight.Clear();
        FinishIfDone();
    });

    private void Succeeded(PullOutcome outcome, TimeSpan now)
    {
        if (_queue.IsCanary(outcome.Pull)) _queue.ReleaseHeld(outcome.Pull.Image);
        // While stopping there is no time to read nodes again: crictl's word is taken.
        if (pull.Verify && !_stopping) Unverified(outcome.Pull.Node).Add(outcome);
        else Settle(outcome, now);
    }

    private void Failed(PullOutcome outcome, bool nodeStoppedAnswering, TimeSpan now)
    {
        var failed = outcome.Pull;
        var kind = nodeStoppedAnswering ? FailureKind.Node : PullFailure.Classify(outcome.Result, outcome.Reason);
        if (_queue.IsCanary(failed))
        {
            // Only a permanent failure condemns the image; anything else lets the other nodes go ahead at once.
            if (kind == FailureKind.Permanent) SkipAll(_queue.DropHeld(failed.Image), $"not tried: the first pull of this image, on {failed.Node}, failed for good ({outcome.Reason})", now);
            else _queue.ReleaseHeld(failed.Image);
        }
        if (nodeStoppedAnswering)
        {
            Settle(outcome, now);
            SkipAll(_queue.DropNode(failed.Node), $"not started: {failed.Node} stopped answering ({outcome.Reason})", now);
            SettleUnverified(failed.Node, "stopped answering before its pulls could be verified", now);
            return;
        }
        if (kind == FailureKind.Transient && outcome.Attempts <= pull.Retries && !_stopping)
        {
            _awaitingRetry.Add(failed);
            _decisions.Add(new PullDecisions.RetryLater(failed, outcome.Attempts + 1, pull.Retries + 1, Backoff(outcome.Attempts), outcome.Reason ?? ""));
            return;
        }
        Settle(outcome, now);
    }

    /// <summary>Exponential backoff from <c>retry-backoff</c>, with ±25% jitter so retries of many nodes do not stampede.</summary>
    private TimeSpan Backoff(int failedAttempts) => pull.RetryBackoff * Math.Pow(2, failedAttempts - 1) * (0.75 + jitter() / 2);

    /// <summary>
    /// After anything changed: nodes left with nothing to do get verified (a canary's verdict elsewhere can
    /// empty a node), and all is settled once every pull has its outcome.
    /// </summary>
    private void MoveOn()
    {
        foreach (var node in _unverified.Keys.ToList()) VerifyIfDone(node);
        FinishIfDone();
    }

    private void VerifyIfDone(NodeName node)
    {
        if (_stopping || _verifying.Contains(node) || !_queue.IsIdle(node) || _awaitingRetry.Any(p => p.Node == node)) return;
        if (!_unverified.TryGetValue(node, out var pending) || pending.Count == 0) return;
        _verifying.Add(node);
        _decisions.Add(new PullDecisions.Verify(node));
    }

    private void SettleUnverified(NodeName node, string why, TimeSpan now)
    {
        _verifying.Remove(node);
        if (!_unverified.Remove(node, out var pending) || pending.Count == 0) return;
        _decisions.Add(new PullDecisions.Warn(node, $"{pending.Count} successful pulls not verified: {why}"));
        foreach (var outcome in pending) Settle(outcome, now);
        FinishIfDone();
    }

    private void SkipAll(IEnumerable<PlannedPull> pulls, string reason, TimeSpan now)
    {
        foreach (var skipped in pulls) Settle(new PullOutcome(skipped, PullResult.Skipped, reason, TimeSpan.Zero, _attempts.GetValueOrDefault(skipped)), now);
    }

    private List<PullOutcome> Unverified(NodeName node) =>
        _unverified.TryGetValue(node, out var pending) ? pending : _unverified[node] = [];

    private void Settle(PullOutcome outcome, TimeSpan now)
    {
        var settled = outcome with { FinishedAfter = now - runStartedAt };
        _outcomes.Add(settled);
        _decisions.Add(new PullDecisions.Settled(settled));
    }

    private void FinishIfDone()
    {
        if (_allSettled || _outcomes.Count < _total) return;
        _allSettled = true;
        _decisions.Add(new PullDecisions.AllSettled(_outcomes.ToList()));
    }

    private List<IPullDecision> Decide(Action handle)
    {
        _decisions.Clear();
        if (!_allSettled) handle();
        return [.. _decisions];
    }

    private sealed record InFlight(PullAttempt Attempt, TimeSpan StartedAt);
}

/// <summary>One attempt of a planned pull, handed to a worker as job <paramref name="JobId"/>.</summary>
public sealed record PullAttempt(long JobId, PlannedPull Pull, int Number);

/// <summary>What the dispatcher must do after an event, as <see cref="PullDispatchState"/> decides it.</summary>
public interface IPullDecision;

public static class PullDecisions
{
    /// <summary>An attempt ended; its pull may still be retried or verified.</summary>
    public sealed record AttemptRecorded(PlannedPull Pull, int Attempt, PullResult Result) : IPullDecision;

    /// <summary>A transient failure: try again after <paramref name="Delay"/>.</summary>
    public sealed record RetryLater(PlannedPull Pull, int NextAttempt, int MaxAttempts, TimeSpan Delay, string Reason) : IPullDecision;

    /// <summary>The node's pulls are done: read its images again.</summary>
    public sealed record Verify(NodeName Node) : IPullDecision;

    public sealed record Warn(NodeName Node, string Warning) : IPullDecision;

    /// <summary>A pull's one final outcome.</summary>
    public sealed record Settled(PullOutcome Outcome) : IPullDecision;

    /// <summary>Stopping with pulls in flight: they get <paramref name="Grace"/>.</summary>
    public sealed record StartGrace(TimeSpan Grace) : IPullDecision;

    /// <summary>Every planned pull has its outcome; nothing more will be decided.</summary>
    public sealed record AllSettled(IReadOnlyList<PullOutcome> Outcomes) : IPullDecision;
}
