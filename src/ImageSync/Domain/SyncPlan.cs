namespace ImageSync.Domain;

/// <summary>One image one node must pull.</summary>
/// <param name="SizeBytes">The size the source nodes report, used to schedule big pulls first and to estimate traffic.</param>
/// <param name="Sources">Nodes that already hold the image, sorted.</param>
/// <param name="ImageId">The image id (its config digest, crictl's <c>id</c>) every source reports; null when they disagree,
/// and then no node copies it to another (image-sync does not pick a winner).</param>
public sealed record PlannedPull(NodeName Node, ImageRef Image, long SizeBytes, IReadOnlyList<NodeName> Sources, string? ImageId = null)
{
    public override string ToString() => $"{Node} {Image}";
}

/// <summary>A pull the removal backoff holds back: image-sync pulled the image onto the node before, and someone removed it since.</summary>
/// <param name="Until">It is not pulled onto the node before this.</param>
public sealed record HeldBackPull(PlannedPull Pull, DateTimeOffset Until);

/// <summary>Who pulls what in one run, in a deterministic order (node, then reference), and which tags disagree.</summary>
/// <param name="Pulls">Every pull the nodes need, those to be skipped included: each gets one outcome.</param>
public sealed record SyncPlan(IReadOnlyList<PlannedPull> Pulls, IReadOnlyList<TagDrift> Drifts)
{
    public static readonly SyncPlan Empty = new([], []);

    public SyncPlan(IReadOnlyList<PlannedPull> pulls)
        : this(pulls, [])
    {
    }

    private readonly IReadOnlyList<SkippedPull> _skips = [];
    private readonly Dictionary<PlannedPull, string> _skipReasons = [];

    /// <summary>Planned pulls that will not be tried (the disk guard), with why: SKIPPED as the run starts.</summary>
    public IReadOnlyList<SkippedPull> Skips
    {
        get => _skips;
        init
        {
            _skips = value;
            _skipReasons = value.ToDictionary(s => s.Pull, s => s.Reason);
        }
    }

    /// <summary>Pulls the nodes need that are not planned (not before their time), in the plan's order.</summary>
    public IReadOnlyList<HeldBackPull> HeldBack { get; init; } = [];

    /// <summary>Why a planned pull will not be tried; null when it will be.</summary>
    public string? SkipReason(PlannedPull pull) => _skipReasons.GetValueOrDefault(pull);

    /// <summary>The planned pulls that will be tried: all but the skipped ones, in the plan's order.</summary>
    public IEnumerable<PlannedPull> Runnable => Pulls.Where(p => SkipReason(p) is null);

    /// <summary>What the planned pulls weigh, by the sizes the source nodes report.</summary>
    public long TotalBytes => Pulls.Sum(p => p.SizeBytes);
}

public static class SyncPlanner
{
    /// <summary>
    /// A sync's plan: what the reachable nodes need, without the pulls held back (but never an image declared with
    /// pin = on: the backoff is for images kubelet may delete), fitted to each node's disk beside what is pinned there.
    /// </summary>
    public static SyncPlan Plan(IReadOnlyList<NodeInventory> inventories, ImageFilter filter, bool includeUntagged, PlanScope scope,
        IReadOnlyList<PullHistory.NodeReckoning> reckoned, PinLedger pins, IReadOnlyDictionary<NodeName, NodeFacts> facts, DiskPolicy disk)
    {
        var heldBack = reckoned.ToDictionary(n => n.Node, n => n.HeldBack);
        var wanted = Plan(inventories, filter, includeUntagged,
            (node, image) => !scope.Pins(node, image) && heldBack.TryGetValue(node, out var held) && held.TryGetValue(image, out var until) ? until : null, scope);
        var pinned = new PinnedDisk(inventories.ToDictionary(i => i.Node, pins.PinnedBytes), pull => scope.Pins(pull.Node, pull.Image));
        return DiskBudget.Apply(wanted, facts, disk, pinned);
    }

    /// <summary>
    /// For each reachable node, the matching tagged references that some other reachable node holds and it
    /// lacks; with <paramref name="includeUntagged"/>, also untagged images, by <c>repo@digest</c>; and the
    /// declared images of <paramref name="scope"/> its node wants and lacks, held by another node or not (matching
    /// the filter or not). The scope's limits then keep only the nodes and images they name. Pure: the same
    /// inventories always give the same plan.
    /// </summary>
    /// <param name="heldBack">Until when a pull is not to be planned (an image someone removed after image-sync pulled it, in its backoff); null when it may be.</param>
    public static SyncPlan Plan(IEnumerable<NodeInventory> reachable, ImageFilter filter, bool includeUntagged = false, Func<NodeName, ImageRef, DateTimeOffset?>? heldBack = null,
        PlanScope? scope = null)
    {
        scope ??= PlanScope.Union;
        var nodes = reachable.OrderBy(i => i.Node).ToList();
        var held = new HashSet<ImageRef>[nodes.Count];
        // Built in node order, so every image's list of sources is sorted, and shared by all of its pulls.
        var offered = new Dictionary<ImageRef, Offer>();
        for (var i = 0; i < nodes.Count; i++)
        {
            held[i] = new HashSet<ImageRef>(nodes[i].Images.Count);
            foreach (var image in nodes[i].Images)
            {
                foreach (var tag in image.Tags)
                {
                    var union = filter.Matches(tag);
                    if (union || scope.Wanted.ContainsKey(tag)) Add(nodes[i].Node, tag, image, union, held[i], offered);
                }
                foreach (var digest in image.Digests)
                {
                    // Only untagged images are offered to the union by digest; a declared digest is offered by whoever holds it.
                    var union = includeUntagged && image.Tags.Count == 0 && filter.Matches(digest);
                    if (union || scope.Wanted.ContainsKey(digest)) Add(nodes[i].Node, digest, image, union, held[i], offered);
                    // Every digest a node holds counts as held, so an image is never pulled again by digest.
                    else if (includeUntagged && filter.Matches(digest)) held[i].Add(digest);
                }
            }
        }

        var images = offered.Keys.Union(scope.Wanted.Keys).ToArray();
        Array.Sort(images);
        var pulls = new List<PlannedPull>();
        var heldBackPulls = new List<HeldBackPull>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i].Node;
            foreach (var image in images)
            {
                var offer = offered.GetValueOrDefault(image);
                if (offer?.Union != true && !scope.Wants(node, image)) continue;
                if (held[i].Contains(image) || !scope.Allows(node, image)) continue;
                // An image no reachable node holds has no known size and no source: the registry is its only way.
                var pull = offer is null ? new PlannedPull(node, image, 0, []) : new PlannedPull(node, image, offer.Size, offer.Sources, offer.ImageId);
                if (heldBack?.Invoke(node, image) is { } until) heldBackPulls.Add(new HeldBackPull(pull, until));
                else pulls.Add(pull);
            }
        }
        return new SyncPlan(pulls, DriftFinder.Find(nodes, filter)) { HeldBack = heldBackPulls };
    }

    /// <param name="union">The image takes part in the union (it matches the filter), not only as a declared one.</param>
    private static void Add(NodeName node, ImageRef image, NodeImage held, bool union, HashSet<ImageRef> holding, Dictionary<ImageRef, Offer> offered)
    {
        if (!holding.Add(image)) return;
        if (offered.TryGetValue(image, out var offer)) offer.Add(node, held.Id, union);
        else offered[image] = new Offer(held.SizeBytes, node, held.Id, union);
    }

    /// <summary>An image some nodes hold, and whether they hold the same image (the same id) under its name.</summary>
    private sealed class Offer(long size, NodeName first, string imageId, bool union)
    {
        private bool _disagree;

        public long Size { get; } = size;

        /// <summary>Every node lacking it should pull it; otherwise only the nodes that declare it.</summary>
        public bool Union { get; private set; } = union;

        public List<NodeName> Sources { get; } = [first];

        public string? ImageId => _disagree ? null : imageId;

        public void Add(NodeName node, string other, bool union)
        {
            Sources.Add(node);
            Union |= union;
            _disagree |= other != imageId;
        }
    }
}
