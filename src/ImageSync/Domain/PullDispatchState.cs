namespace ImageSync.Domain;

/// <summary>
/// The bookkeeping of a run's pulls, apart from any actor: which pull or copy a free worker gets next, attempts,
/// retries and their backoff, canary verdicts, copies from other nodes when the registry fails (or instead of it),
/// verification, and what is settled (each planned pull exactly once). Each event returns the decisions it leads
/// to, in order; the <c>PullDispatcher</c> turns them into messages, timers and events.
/// </summary>
/// <param name="runStartedAt">On the run's monotonic clock, as every time passed in.</param>
/// <param name="jitter">A number in [0, 1) per retry, spreading the retries of many nodes apart.</param>
/// <param name="facts">What the nodes told of themselves: their platforms decide who may copy to whom, their image filesystems guard the disk.</param>
public sealed class PullDispatchState(SyncPlan plan, IReadOnlyDictionary<NodeName, NodeFacts> facts, DispatchRules rules, TimeSpan runStartedAt, Func<double> jitter)
{
    private const int MostRerunsAfterLoss = 2;

    private readonly PullQueue _queue = new(rules.Transfer == TransferMode.PeerFirst ? [] : plan.Runnable, rules.MaxPerNode, rules.Canary);
    private readonly PeerQueue _peers = new(rules.MaxCopiesPerSource, rules.FanOut, node => facts.GetValueOrDefault(node)?.Platform);
    private readonly DiskWatch _disks = new(plan, facts, rules.Disk);
    private readonly DispatchLedger _ledger = new(plan.Pulls.Count, runStartedAt);
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly HashSet<PlannedPull> _awaitingRetry = [];
    private readonly Dictionary<PlannedPull, int> _rerunsAfterLoss = [];
    private readonly HeldSuccesses _held = new();
    private CopyFallback? _copies;
    private long _lastJobId;
    private bool _stopping;

    // Built on first use: a field initializer cannot hand it the peer queue and the ledger.
    private CopyFallback Copies => _copies ??= new CopyFallback(_peers, rules, _ledger);

    /// <summary>How many pulls the plan holds; each gets exactly one outcome.</summary>
    public int Total => plan.Pulls.Count;

    /// <summary>What the plan needs before any worker asks: peer-first copies queued, and all settled when there is nothing to do.</summary>
    public IReadOnlyList<IPullDecision> Start(TimeSpan now) => _ledger.Decide(() =>
    {
        foreach (var skipped in plan.Skips) _ledger.SettleUnstarted(skipped.Pull, PullResult.Skipped, skipped.Reason, now);
        foreach (var planned in rules.Transfer == TransferMode.PeerFirst ? plan.Runnable : []) Copies.Instead(planned, registryFailure: null, now);
        // A copy no node of its platform can serve is settled now, not waited for.
        MoveOn(now);
    });

    /// <summary>
    /// A node's image filesystem read again after a pull: what has not started yet is fitted again to what is available
    /// now, its estimates scaled up by as much as the pulls so far outgrew theirs.
    /// </summary>
    public IReadOnlyList<IPullDecision> DiskRead(NodeName node, ImageFilesystem? imageFs, TimeSpan now) => _ledger.Decide(() =>
    {
        var inFlight = _inFlight.Values.Where(f => f.Attempt.Pull.Node == node).Sum(f => DiskBudget.Estimate(f.Attempt.Pull, rules.Disk));
        if (_stopping) return;
        var pending = _queue.Pending(node).Concat(_peers.Waiting(node)).Concat(_awaitingRetry.Where(p => p.Node == node)).Distinct().ToList();
        var skipped = _disks.Refit(node, imageFs, inFlight, pending);
        if (skipped.Count == 0) return;
        _queue.Drop(skipped.ContainsKey);
        _peers.Drop(skipped.ContainsKey);
        _awaitingRetry.RemoveWhere(skipped.ContainsKey);
        foreach (var (skippedPull, reason) in skipped.OrderBy(s => s.Key.Image)) _ledger.SettleUnstarted(skippedPull, PullResult.Skipped, reason, now);
        MoveOn(now);
    });

    /// <summary>The next attempt for a free worker, a registry pull before a copy; null when nothing may start now.</summary>
    public PullAttempt? NextAttempt(TimeSpan now)
    {
        if (_stopping) return null;
        NodeName? source = null;
        if (!_queue.TryTake(out var next) && !_peers.TryTake(_queue.HasRoom, _queue.Occupy, out next, out source)) return null;
        var attempt = _ledger.CountAttempt(next);
        var started = new PullAttempt(++_lastJobId, next, attempt, source);
        _inFlight[started.JobId] = new InFlight(started, now);
        return started;
    }

    /// <summary>An attempt ended. A late or repeated report of an attempt already settled changes nothing.</summary>
    /// <param name="nodeStoppedAnswering">The local watchdog fired on a pull: the node is frozen or cut off and gets nothing more.</param>
    /// <param name="sourceFailed">A copy failed on its source's side: another source may do.</param>
    /// <param name="replicaLost">The replica that ran it (in a cluster, the node's owner) was lost before it answered.</param>
    /// <param name="sourceCannotExport">The copy's source lacks the content of the images it lists (its containerd discards unpacked layers): no copy comes from it again.</param>
    public IReadOnlyList<IPullDecision> AttemptEnded(long jobId, PullOutcome outcome, bool nodeStoppedAnswering, TimeSpan now, bool sourceFailed = false,
        bool replicaLost = false, bool sourceCannotExport = false) => _ledger.Decide(() =>
    {
        if (!_inFlight.Remove(jobId, out var ended)) return;
        var attempt = ended.Attempt;
        var counted = outcome with { Attempts = attempt.Number };
        _queue.Done(attempt.Pull);
        if (attempt.Source is { } source) _peers.Ended(attempt.Pull, source, counted.IsSuccess);
        if (sourceCannotExport && attempt.Source is { } lacking)
        {
            _peers.Gone(lacking);
            _ledger.Add(new PullDecisions.Warn(lacking, $"{outcome.Reason}; no more copies come from it in this sync"));
        }
        _ledger.Add(new PullDecisions.AttemptRecorded(attempt.Pull, attempt.Number, counted.Result));
        if (replicaLost && RerunAfterItsRemoteTimeout(ended, counted, now)) return;
        if (counted.IsSuccess) Succeeded(counted, now);
        else if (attempt.Source is not null) Copies.Failed(counted, sourceFailed, _stopping, now);
        else Failed(counted, nodeStoppedAnswering, replicaLost, now);
        MoveOn(now);
    });

    public IReadOnlyList<IPullDecision> RetryDue(PlannedPull due, TimeSpan now) => _ledger.Decide(() =>
    {
        if (!_awaitingRetry.Remove(due)) return;
        _queue.Requeue(due);
        MoveOn(now);
    });

    /// <summary>A node's images, read again once its pulls were done: a success (or copy) not listed (under the source's digest) is FAILED.</summary>
    public IReadOnlyList<IPullDecision> Verified(NodeName node, NodeInventory inventory, TimeSpan now) => _ledger.Decide(() =>
    {
        foreach (var outcome in _held.Verify(node, inventory)) _ledger.Settle(outcome, now, wasHeld: true);
        _ledger.FinishIfDone();
    });

    /// <summary>The node's images could not be read again: its successes stay successes (crictl said so), with a warning.</summary>
    public IReadOnlyList<IPullDecision> NotVerified(NodeName node, string why, TimeSpan now) => _ledger.Decide(() => SettleUnverified(node, why, now));

    /// <summary>
    /// A stop: nothing new starts, waiting pulls are skipped, the ones in flight get the shutdown grace; or, when
    /// <paramref name="abandon"/> (this replica was put out of the cluster, and another may already be syncing),
    /// are FAILED at once, even during a grace that already runs.
    /// </summary>
    public IReadOnlyList<IPullDecision> Stop(string why, TimeSpan now, bool abandon = false) => _ledger.Decide(() =>
    {
        if (!_stopping)
        {
            _stopping = true;
            _ledger.Skip(_queue.DropAll().Concat(_peers.Drop(_ => true)), $"not started: {why}", now);
            _ledger.Skip(_awaitingRetry.OrderBy(p => p.ToString()), $"not retried: {why}", now);
            _awaitingRetry.Clear();
            foreach (var node in _held.Nodes) SettleUnverified(node, why, now);
            if (_inFlight.Count > 0 && !abandon) _ledger.Add(new PullDecisions.StartGrace(rules.ShutdownGrace));
        }
        if (abandon) AbandonInFlight($"interrupted: abandoned at once: {why}", now);
        _ledger.FinishIfDone();
    });

    /// <summary>The shutdown grace is over: what is still in flight is FAILED, interrupted.</summary>
    public IReadOnlyList<IPullDecision> GraceExpired(TimeSpan now) => _ledger.Decide(() =>
    {
        AbandonInFlight($"interrupted: abandoned after the {Durations.Show(rules.ShutdownGrace)} shutdown grace", now);
        _ledger.FinishIfDone();
    });

    private void AbandonInFlight(string reason, TimeSpan now)
    {
        foreach (var (attempt, startedAt) in _inFlight.Values.OrderBy(f => f.Attempt.JobId))
            _ledger.Settle(new PullOutcome(attempt.Pull, PullResult.Failed, reason, now - startedAt, attempt.Number), now);
        _inFlight.Clear();
    }

    /// <summary>
    /// A registry pull whose replica was lost may still run on the node, under its remote timeout: it is run once
    /// more, on the node's new owner, only once that timeout (and its kill-after) is over, so the node never pulls
    /// the image twice at once. Twice at most: a shard moving to a replica that joins can cost one run and a replica
    /// that dies another. A third loss, or a copy, ends as a failure of the node's link.
    /// </summary>
    private bool RerunAfterItsRemoteTimeout(InFlight lost, PullOutcome outcome, TimeSpan now)
    {
        var pulled = lost.Attempt.Pull;
        if (_stopping || lost.Attempt.Source is not null || _rerunsAfterLoss.GetValueOrDefault(pulled) == MostRerunsAfterLoss) return false;
        _rerunsAfterLoss[pulled] = _rerunsAfterLoss.GetValueOrDefault(pulled) + 1;
        var remoteEnd = lost.StartedAt + rules.RemoteLimit;
        _awaitingRetry.Add(pulled);
        var next = lost.Attempt.Number + 1;
        _ledger.Add(new PullDecisions.RetryLater(pulled, next, Math.Max(next, rules.Retries + 1), remoteEnd > now ? remoteEnd - now : TimeSpan.Zero,
            outcome.Reason ?? ""));
        return true;
    }

    private void Succeeded(PullOutcome outcome, TimeSpan now)
    {
        if (_queue.IsCanary(outcome.Pull)) _queue.ReleaseHeld(outcome.Pull.Image);
        var node = outcome.Pull.Node;
        _disks.Grew(outcome.Pull);
        if (!_stopping && HasPending(node) && _disks.BeginRead(node) is { } path) _ledger.Add(new PullDecisions.ReadDisk(node, path));
        // While stopping there is no time to read nodes again: crictl's word is taken. A copy is always checked.
        if ((rules.Verify || outcome.Copy is not null) && !_stopping)
        {
            _held.Hold(outcome);
            _ledger.Add(new PullDecisions.Held(outcome));
        }
        else _ledger.Settle(outcome, now);
    }

    private void Failed(PullOutcome outcome, bool nodeStoppedAnswering, bool replicaLost, TimeSpan now)
    {
        var failed = outcome.Pull;
        // A lost replica says nothing of the image: it never condemns it at the registry for the other nodes.
        var kind = nodeStoppedAnswering || replicaLost ? FailureKind.Node : PullFailure.Classify(outcome.Result, outcome.Reason);
        if (_queue.IsCanary(failed))
        {
            // Only a permanent failure condemns the image at the registry; anything else lets the other nodes go ahead at once.
            if (kind == FailureKind.Permanent)
            {
                var why = $"not tried: the first pull of this image, on {failed.Node}, failed for good ({outcome.Reason})";
                if (rules.Transfer == TransferMode.RegistryThenPeer)
                {
                    foreach (var held in _queue.DropHeld(failed.Image)) Copies.Instead(held, why, now);
                }
                else _ledger.Skip(_queue.DropHeld(failed.Image), why, now);
            }
            else _queue.ReleaseHeld(failed.Image);
        }
        if (nodeStoppedAnswering)
        {
            _ledger.Settle(outcome, now);
            var node = failed.Node;
            _peers.Gone(node);
            _ledger.Skip(_queue.DropNode(node).Concat(_peers.Drop(p => p.Node == node)), $"not started: {node} stopped answering ({outcome.Reason})", now);
            SettleUnverified(node, "stopped answering before its pulls could be verified", now);
            return;
        }
        if (kind == FailureKind.Transient && outcome.Attempts <= rules.Retries && !_stopping)
        {
            _awaitingRetry.Add(failed);
            _ledger.Add(new PullDecisions.RetryLater(failed, outcome.Attempts + 1, rules.Retries + 1, rules.Backoff(outcome.Attempts, jitter()), outcome.Reason ?? ""));
            return;
        }
        // The registry could not serve it, for good: a node that holds the image may (not when its own link broke).
        if (kind != FailureKind.Node && rules.Transfer == TransferMode.RegistryThenPeer && !_stopping) Copies.AfterRegistry(outcome, now);
        else _ledger.Settle(outcome, now);
    }

    private bool HasPending(NodeName node) =>
        _queue.Pending(node).Any() || _peers.Waits(node) || _awaitingRetry.Any(p => p.Node == node);

    /// <summary>After any change: copies left without a source are settled, idle nodes verified (a canary elsewhere can empty one).</summary>
    private void MoveOn(TimeSpan now)
    {
        Copies.SettleStranded(now);
        foreach (var node in _held.Nodes) VerifyIfDone(node);
        _ledger.FinishIfDone();
    }

    private void VerifyIfDone(NodeName node)
    {
        if (_stopping || !_queue.IsIdle(node) || _peers.Waits(node) || _awaitingRetry.Any(p => p.Node == node) || !_held.StartReading(node)) return;
        _ledger.Add(new PullDecisions.Verify(node));
    }

    private void SettleUnverified(NodeName node, string why, TimeSpan now)
    {
        var pending = _held.Release(node);
        if (pending.Count == 0) return;
        _ledger.Add(new PullDecisions.Warn(node, $"{pending.Count} successful pulls not verified: {why}"));
        foreach (var outcome in pending) _ledger.Settle(outcome, now, wasHeld: true);
        _ledger.FinishIfDone();
    }

    private sealed record InFlight(PullAttempt Attempt, TimeSpan StartedAt);
}
