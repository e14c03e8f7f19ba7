namespace ImageSync.Domain;

/// <summary>The pins of a sync's reachable nodes as it ends, and the pins and unpins still to do (a plan's, or a run's that failed).</summary>
public sealed record PinReport(IReadOnlyList<PinState> States, IReadOnlyList<PinWork> Pending)
{
    public static readonly PinReport None = new([], []);

    /// <summary>How many images are pinned on the node, and how many of those by image-sync.</summary>
    public (int Pinned, int ByImageSync) CountOn(NodeName node) =>
        (States.Count(s => s.Node == node && s.Pinned), States.Count(s => s.Node == node && s.By == PinOwner.ImageSync));
}

/// <summary>
/// One sync's view of the pins on its nodes: what the history recorded (<see cref="PullHistory"/>), with the changes the
/// sync makes or finds applied as they come, and the pin work each node needs once its images are known. Pure; one run owns it.
/// </summary>
/// <param name="recorded">The pins the history knows of, per node.</param>
public sealed class PinLedger(PlanScope scope, ImageFilter filter, IReadOnlyDictionary<NodeName, IReadOnlyDictionary<ImageRef, PinOwner>> recorded)
{
    private readonly Dictionary<NodeName, Dictionary<ImageRef, PinOwner>> _records =
        recorded.ToDictionary(r => r.Key, r => new Dictionary<ImageRef, PinOwner>(r.Value));

    /// <summary>
    /// The pins and unpins the nodes need, once they hold their images and <paramref name="landed"/> (the pulls that
    /// succeeded, or a plan's pulls), and the changes in the records found without asking a node (applied already).
    /// </summary>
    public (IReadOnlyList<PinWork> Work, IReadOnlyList<PinChange> Found) Reconcile(IEnumerable<NodeInventory> inventories, IEnumerable<PlannedPull> landed)
    {
        var arrived = landed.ToLookup(p => p.Node, p => p.Image);
        var work = new List<PinWork>();
        var found = new List<PinChange>();
        foreach (var inventory in inventories.OrderBy(i => i.Node))
        {
            var holds = inventory.Images.SelectMany(References).Concat(arrived[inventory.Node]).ToHashSet();
            var runtimePinned = inventory.Images.Where(i => i.Pinned).SelectMany(References).ToHashSet();
            var (mine, changes) = PinBook.Reconcile(inventory.Node, holds, runtimePinned, RecordsOf(inventory.Node), scope);
            work.AddRange(mine);
            found.AddRange(changes);
        }
        foreach (var change in found) Apply(change);
        return (work, found);
    }

    public void Apply(PinChange change)
    {
        var records = _records.TryGetValue(change.Node, out var known) ? known : _records[change.Node] = [];
        if (change.By is { } owner) records[change.Image] = owner;
        else records.Remove(change.Image);
    }

    /// <summary>Bytes of the node's images that are pinned (by anyone), at their listed size: kubelet's GC cannot free them.</summary>
    public long PinnedBytes(NodeInventory inventory)
    {
        var records = RecordsOf(inventory.Node);
        return inventory.Images.Where(i => i.Pinned || References(i).Any(records.ContainsKey)).Sum(i => i.SizeBytes);
    }

    /// <summary>
    /// Per node: the images declared with <c>pin = on</c> there, those image-sync knows to be pinned, and those the runtime
    /// lists as pinned among the images that take part in the sync; each with who pinned it.
    /// </summary>
    public PinReport Report(IEnumerable<NodeInventory> inventories, IReadOnlyList<PinWork> pending)
    {
        var states = new List<PinState>();
        foreach (var inventory in inventories.OrderBy(i => i.Node))
        {
            var node = inventory.Node;
            var records = RecordsOf(node);
            var sizes = new Dictionary<ImageRef, long>();
            var runtimePinned = new HashSet<ImageRef>();
            var listed = new List<ImageRef>();
            foreach (var image in inventory.Images)
            {
                foreach (var reference in References(image)) sizes.TryAdd(reference, image.SizeBytes);
                if (!image.Pinned) continue;
                runtimePinned.UnionWith(References(image));
                // Once per image: by its tags, or by its digests when it has none.
                listed.AddRange((image.Tags.Count > 0 ? image.Tags : image.Digests).Where(filter.Matches));
            }
            foreach (var image in scope.PinnedOn(node).Concat(records.Keys).Concat(listed).Distinct().Order())
            {
                var by = records.TryGetValue(image, out var owner) ? owner : runtimePinned.Contains(image) ? PinOwner.Operator : (PinOwner?)null;
                states.Add(new PinState(node, image, by, scope.Pins(node, image), sizes.GetValueOrDefault(image)));
            }
        }
        return new PinReport(states, pending);
    }

    private IReadOnlyDictionary<ImageRef, PinOwner> RecordsOf(NodeName node) =>
        _records.TryGetValue(node, out var records) ? records : new Dictionary<ImageRef, PinOwner>();

    private static IEnumerable<ImageRef> References(NodeImage image) => image.Tags.Concat(image.Digests);
}
