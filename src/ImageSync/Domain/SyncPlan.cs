namespace ImageSync.Domain;

/// <summary>One image one node must pull.</summary>
/// <param name="SizeBytes">The size the source nodes report, used to schedule big pulls first and to estimate traffic.</param>
/// <param name="Sources">Nodes that already hold the image, sorted.</param>
public sealed record PlannedPull(NodeName Node, ImageRef Image, long SizeBytes, IReadOnlyList<NodeName> Sources)
{
    public override string ToString() => $"{Node} {Image}";
}

/// <summary>Who pulls what in one run, in a deterministic order (node, then reference), and which tags disagree.</summary>
public sealed record SyncPlan(IReadOnlyList<PlannedPull> Pulls, IReadOnlyList<TagDrift> Drifts)
{
    public static readonly SyncPlan Empty = new([], []);

    public SyncPlan(IReadOnlyList<PlannedPull> pulls)
        : this(pulls, [])
    {
    }

    public IEnumerable<PlannedPull> For(NodeName node) => Pulls.Where(p => p.Node == node);

    /// <summary>What the planned pulls weigh, by the sizes the source nodes report.</summary>
    public long TotalBytes => Pulls.Sum(p => p.SizeBytes);
}

public static class SyncPlanner
{
    /// <summary>
    /// For each reachable node, the matching tagged references that some other reachable node holds and it
    /// lacks; with <paramref name="includeUntagged"/>, also untagged images, by <c>repo@digest</c>. Pure:
    /// the same inventories always give the same plan.
    /// </summary>
    public static SyncPlan Plan(IEnumerable<NodeInventory> reachable, ImageFilter filter, bool includeUntagged = false)
    {
        var nodes = reachable.OrderBy(i => i.Node).ToList();
        var held = nodes.ToDictionary(i => i.Node, i => Holdings(i, filter, includeUntagged));

        var offered = new SortedDictionary<ImageRef, (long Size, List<NodeName> Nodes)>();
        foreach (var (node, holdings) in held)
        {
            foreach (var (image, size) in holdings.Offered)
            {
                if (!offered.TryGetValue(image, out var entry)) offered[image] = entry = (size, []);
                entry.Nodes.Add(node);
            }
        }

        var pulls = new List<PlannedPull>();
        foreach (var inventory in nodes)
        {
            var mine = held[inventory.Node].Held;
            pulls.AddRange(offered
                .Where(o => !mine.Contains(o.Key))
                .Select(o => new PlannedPull(inventory.Node, o.Key, o.Value.Size, o.Value.Nodes.OrderBy(n => n).ToList())));
        }
        return new SyncPlan(pulls, DriftFinder.Find(nodes, filter));
    }

    /// <param name="Offered">What this node can give others: its matching tags (and untagged images by digest).</param>
    /// <param name="Held">What it counts as having: those, plus every digest it holds, so a digest is never pulled twice.</param>
    private sealed record NodeHoldings(Dictionary<ImageRef, long> Offered, HashSet<ImageRef> Held);

    private static NodeHoldings Holdings(NodeInventory inventory, ImageFilter filter, bool includeUntagged)
    {
        var offered = new Dictionary<ImageRef, long>();
        var held = new HashSet<ImageRef>();
        foreach (var image in inventory.Images)
        {
            foreach (var tag in image.Tags.Where(filter.Matches)) offered[tag] = image.SizeBytes;
            if (!includeUntagged) continue;
            var digests = image.Digests.Where(filter.Matches).ToList();
            held.UnionWith(digests);
            if (image.Tags.Count == 0) foreach (var digest in digests) offered[digest] = image.SizeBytes;
        }
        held.UnionWith(offered.Keys);
        return new NodeHoldings(offered, held);
    }
}
