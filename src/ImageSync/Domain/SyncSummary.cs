namespace ImageSync.Domain;

/// <summary>How a node fared in the discovery phase of a run.</summary>
/// <param name="Reason">Why the node could not be used; null when it is reachable.</param>
public sealed record NodeStatus(NodeName Node, string? Reason, int MatchingImages)
{
    public bool Reachable => Reason is null;

    public static NodeStatus Ready(NodeName node, int matchingImages) => new(node, null, matchingImages);

    public static NodeStatus Unreachable(NodeName node, string reason) => new(node, reason, 0);
}

/// <summary>One line of the per-node summary table.</summary>
public sealed record NodeTally(NodeName Node, bool Reachable, int Planned, int Pulled, int Failed, int Skipped);

/// <summary>Everything a finished (or interrupted) run found and did.</summary>
/// <param name="Fault">Set when the run itself broke (an internal error), not a node or a pull.</param>
public sealed record SyncSummary(
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyList<NodeStatus> Nodes,
    IReadOnlyList<PullOutcome> Outcomes,
    bool Interrupted,
    string? Fault = null)
{
    public int Succeeded => Count(PullResult.Success);

    public int Failed => Count(PullResult.Failed);

    public int TimedOut => Count(PullResult.Timeout);

    public int Skipped => Count(PullResult.Skipped);

    public int UnreachableNodes => Nodes.Count(n => !n.Reachable);

    /// <summary>A pull that did not succeed, or a node that could not be synced: exit code 3 territory.</summary>
    public bool HasFailures => Fault is not null || Outcomes.Any(o => !o.IsSuccess) || UnreachableNodes > 0;

    public IReadOnlyList<NodeTally> PerNode() =>
        Nodes.OrderBy(n => n.Node).Select(n =>
        {
            var mine = Outcomes.Where(o => o.Pull.Node == n.Node).ToList();
            return new NodeTally(
                n.Node,
                n.Reachable,
                mine.Count,
                mine.Count(o => o.Result == PullResult.Success),
                mine.Count(o => o.Result is PullResult.Failed or PullResult.Timeout),
                mine.Count(o => o.Result == PullResult.Skipped));
        }).ToList();

    private int Count(PullResult result) => Outcomes.Count(o => o.Result == result);
}
