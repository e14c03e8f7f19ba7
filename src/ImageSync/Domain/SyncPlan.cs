namespace ImageSync.Domain;

/// <summary>One image one node must pull.</summary>
/// <param name="SizeBytes">The size the source nodes report, used to schedule big pulls first and to estimate traffic.</param>
/// <param name="Sources">Nodes that already hold the image, sorted.</param>
public sealed record PlannedPull(NodeName Node, ImageRef Image, long SizeBytes, IReadOnlyList<NodeName> Sources)
{
    public override string ToString() => $"{Node} {Image}";
}

/// <summary>Who pulls what in one run, in a deterministic order (node, then reference).</summary>
public sealed record SyncPlan(IReadOnlyList<PlannedPull> Pulls)
{
    public IEnumerable<PlannedPull> For(NodeName node) => Pulls.Where(p => p.Node == node);
}

public static class SyncPlanner
{
    /// <summary>
    /// For each reachable node, the matching tagged references that some other reachable node holds and it
    /// lacks. Pure: the same inventories always give the same plan.
    /// </summary>
    public static SyncPlan Plan(IEnumerable<NodeInventory> reachable, ImageFilter filter)
    {
        var nodes = reachable.OrderBy(i => i.Node).ToList();
        var held = nodes.ToDictionary(i => i.Node, i => MatchingTags(i, filter));

        var holders = new SortedDictionary<ImageRef, (long Size, List<NodeName> Nodes)>();
        foreach (var (node, images) in held)
        {
            foreach (var (image, size) in images)
            {
                if (!holders.TryGetValue(image, out var entry)) holders[image] = entry = (size, []);
                entry.Nodes.Add(node);
            }
        }

        var pulls = new List<PlannedPull>();
        foreach (var inventory in nodes)
        {
            var mine = held[inventory.Node];
            pulls.AddRange(holders
                .Where(h => !mine.ContainsKey(h.Key))
                .Select(h => new PlannedPull(inventory.Node, h.Key, h.Value.Size, h.Value.Nodes.OrderBy(n => n).ToList())));
        }
        return new SyncPlan(pulls);
    }

    private static Dictionary<ImageRef, long> MatchingTags(NodeInventory inventory, ImageFilter filter)
    {
        var tags = new Dictionary<ImageRef, long>();
        foreach (var image in inventory.Images)
        {
            foreach (var tag in image.Tags.Where(filter.Matches)) tags[tag] = image.SizeBytes;
        }
        return tags;
    }
}
