using System.Globalization;

namespace ImageSync.Domain;

/// <summary>The steps of reading a node, in order; the one that failed tells an operator where to look.</summary>
public enum NodeStage
{
    Connect,
    HostKey,
    Authentication,
    Check,
    Inventory,
}

/// <summary>How a node fared in the discovery phase of a run.</summary>
/// <param name="Reason">Why the node could not be used; null when it is reachable.</param>
/// <param name="FailedAt">The step that failed; null when it is reachable.</param>
/// <param name="RejectedReferences">Strings the node reported that are not valid image references.</param>
/// <param name="Facts">What the node told of its platform and image filesystem; null when it was not reached.</param>
public sealed record NodeStatus(NodeName Node, string? Reason, int MatchingImages, NodeStage? FailedAt = null, IReadOnlyList<string>? RejectedReferences = null,
    NodeFacts? Facts = null)
{
    public bool Reachable => Reason is null;

    public IReadOnlyList<string> Rejected => RejectedReferences ?? [];

    public static NodeStatus Ready(NodeName node, int matchingImages, IReadOnlyList<string> rejected, NodeFacts? facts = null) => new(node, null, matchingImages, null, rejected, facts);

    public static NodeStatus Unreachable(NodeName node, string reason, NodeStage failedAt) => new(node, reason, 0, failedAt);
}

/// <summary>One line of the per-node summary table.</summary>
/// <param name="Duration">From the start of the run until the node's last pull ended.</param>
/// <param name="HeldBack">Pulls the node needs that the removal backoff holds back (not planned).</param>
public sealed record NodeTally(NodeName Node, bool Reachable, int Planned, int Pulled, int Failed, int Skipped, TimeSpan Duration, int HeldBack = 0);

/// <summary>What a sync was asked to do: read the nodes only, also plan, or also pull.</summary>
public enum SyncMode
{
    Run,
    Plan,
    Check,
}

/// <summary>Everything a finished (or interrupted) run found and did.</summary>
/// <param name="Plan">Who was to pull what, and the drift found; empty for a check.</param>
/// <param name="Fault">Set when the run itself broke (an internal error), not a node or a pull.</param>
/// <param name="Transfer">Whether planned pulls may be copied from other nodes (plan and reports show which).</param>
public sealed record SyncSummary(
    SyncMode Mode,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyList<NodeStatus> Nodes,
    SyncPlan Plan,
    IReadOnlyList<PullOutcome> Outcomes,
    bool Interrupted,
    string? Fault = null,
    TransferMode Transfer = TransferMode.RegistryOnly)
{
    /// <summary>How a planned pull gets its image when the run goes ahead: "copy" (peer-first), "registry or copy", or "registry".</summary>
    public string Route(PlannedPull pull) =>
        !PeerQueue.Copyable(pull) || Transfer == TransferMode.RegistryOnly ? "registry"
        : Transfer == TransferMode.PeerFirst ? "copy"
        : "registry or copy";

    /// <summary>Where each node was reached; null when the run never listed its nodes.</summary>
    public IReadOnlyList<NodeSpec>? Specs { get; init; }

    /// <summary>Why a source of nodes (a Kubernetes API) could not be read; the listed nodes were synced without it.</summary>
    public string? DiscoveryError { get; init; }

    /// <summary>The pins on the reachable nodes as the sync leaves them, and the pins and unpins still to do.</summary>
    public PinReport Pins { get; init; } = PinReport.None;

    public int Succeeded => Count(PullResult.Success);

    public int Failed => Count(PullResult.Failed);

    public int TimedOut => Count(PullResult.Timeout);

    public int Skipped => Count(PullResult.Skipped);

    public int UnreachableNodes => Nodes.Count(n => !n.Reachable);

    /// <summary>
    /// "3 held back: removed since image-sync pulled them; not before 21:40" (the earliest, in local time; with its date
    /// when not the run's day); null when none is.
    /// </summary>
    public string? HeldBackNote
    {
        get
        {
            if (Plan.HeldBack.Count == 0) return null;
            var first = Plan.HeldBack.Min(h => h.Until).ToLocalTime();
            var when = first.Date == StartedAt.ToLocalTime().Date ? first.ToString("HH:mm", CultureInfo.InvariantCulture) : first.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            return $"{Plan.HeldBack.Count} held back: removed since image-sync pulled {(Plan.HeldBack.Count == 1 ? "it" : "them")}; not before {when}";
        }
    }

    /// <summary>A pull that did not succeed, a node that could not be synced or found: exit code 3 territory.</summary>
    public bool HasFailures => Fault is not null || DiscoveryError is not null || Outcomes.Any(o => !o.IsSuccess) || UnreachableNodes > 0;

    public IReadOnlyList<NodeTally> PerNode()
    {
        // Grouped once: a fleet of thousands of nodes must not cost nodes x pulls.
        var outcomes = Outcomes.ToLookup(o => o.Pull.Node);
        var planned = Plan.Pulls.ToLookup(p => p.Node);
        var heldBack = Plan.HeldBack.ToLookup(h => h.Pull.Node);
        return Nodes.OrderBy(n => n.Node).Select(n =>
        {
            var mine = outcomes[n.Node].ToList();
            return new NodeTally(
                n.Node,
                n.Reachable,
                planned[n.Node].Count(),
                mine.Count(o => o.Result == PullResult.Success),
                mine.Count(o => o.Result is PullResult.Failed or PullResult.Timeout),
                mine.Count(o => o.Result == PullResult.Skipped),
                mine.Count == 0 ? TimeSpan.Zero : mine.Max(o => o.FinishedAfter),
                heldBack[n.Node].Count());
        }).ToList();
    }

    private int Count(PullResult result) => Outcomes.Count(o => o.Result == result);
}
