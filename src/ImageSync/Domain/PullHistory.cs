namespace ImageSync.Domain;

/// <summary>
/// What image-sync put on which node, and what was removed since: an image it pulled that a node no longer
/// lists was deleted by someone (kubelet's image GC, an operator), and pulling it straight back would only
/// feed the next deletion. Such an image is held back on that node for <c>removed-backoff</c>, doubling with
/// each removal up to <c>removed-backoff-max</c>. Entries of images held longer than the cap are forgotten.
/// Each node's <see cref="NodeIdentity"/> is kept beside its entries: a node that is another machine or store now
/// (re-imaged, replaced, wiped) starts with no history. So are the pins image-sync knows of on the node and whose they
/// are (<see cref="PinBook"/>), so that it only ever takes off its own. Not thread-safe: one actor owns it.
/// </summary>
public sealed partial class PullHistory
{
    private readonly Dictionary<NodeName, NodeRecord> _nodes = [];

    /// <param name="PulledAt">When image-sync last pulled it there; null once it was found removed.</param>
    /// <param name="Removals">How many times it was found removed after image-sync pulled it.</param>
    /// <param name="NotBefore">It is not pulled onto the node again before this.</param>
    public sealed record Entry(DateTimeOffset? PulledAt, int Removals, DateTimeOffset? NotBefore);

    /// <summary>What one node's reading showed.</summary>
    /// <param name="Removed">Images image-sync pulled that the node no longer lists, found by this reading.</param>
    /// <param name="HeldBack">Images not to pull onto the node now, and until when.</param>
    /// <param name="Replaced">Why the node is not the one the history knew (its history was cleared); null when it is.</param>
    /// <param name="Pins">The pins image-sync knows of on the node, on images it still lists, and whose they are.</param>
    /// <param name="Changed">The reading changed what is kept (removals, forgotten entries or pins, an identity beside them): worth saving.</param>
    public sealed record NodeReckoning(NodeName Node, IReadOnlyList<ImageRef> Removed, IReadOnlyDictionary<ImageRef, DateTimeOffset> HeldBack, string? Replaced = null,
        IReadOnlyDictionary<ImageRef, PinOwner>? Pins = null, bool Changed = false)
    {
        public IReadOnlyDictionary<ImageRef, PinOwner> PinsKnown => Pins ?? new Dictionary<ImageRef, PinOwner>();
    }

    public int Count => _nodes.Values.Sum(n => n.Images.Count);

    public Entry? Find(NodeName node, ImageRef image) => _nodes.GetValueOrDefault(node)?.Images.GetValueOrDefault(image);

    public NodeIdentity? IdentityOf(NodeName node) => _nodes.GetValueOrDefault(node)?.Identity;

    public PinOwner? PinOf(NodeName node, ImageRef image) => _nodes.GetValueOrDefault(node)?.Pins.TryGetValue(image, out var owner) == true ? owner : null;

    /// <summary>Records a pin a sync set or found, or forgets one (<see cref="PinChange.By"/> null).</summary>
    public void Apply(PinChange change)
    {
        var pins = RecordOf(change.Node).Pins;
        if (change.By is { } owner) pins[change.Image] = owner;
        else pins.Remove(change.Image);
    }

    public void Pulled(NodeName node, ImageRef image, DateTimeOffset at)
    {
        var images = RecordOf(node).Images;
        images[image] = new Entry(at, images.GetValueOrDefault(image)?.Removals ?? 0, null);
    }

    /// <summary>A pull that crictl called a success but that verification found missing: image-sync did not put it there.</summary>
    public void Unpulled(NodeName node, ImageRef image)
    {
        if (_nodes.GetValueOrDefault(node)?.Images is { } images && images.GetValueOrDefault(image) is { PulledAt: not null } entry)
            images[image] = entry with { PulledAt = null };
    }

    /// <summary>
    /// Compares what image-sync pulled with what the node lists now, and records what was removed since; first, a node
    /// whose <paramref name="identity"/> differs from the one recorded loses its history. An identity not read keeps the recorded one.
    /// </summary>
    public NodeReckoning Reckon(NodeInventory inventory, NodeIdentity? identity, DateTimeOffset now, DiskPolicy disk)
    {
        var record = RecordOf(inventory.Node);
        var (identityBefore, entriesBefore) = (record.Identity, record.Images.Count + record.Pins.Count);
        var replaced = identity is not null && record.Identity is { } before && !record.IsEmpty ? identity.ReplacedSince(before) : null;
        if (replaced is not null)
        {
            record.Images.Clear();
            record.Pins.Clear();
        }
        if (identity is not null) record.Identity = identity.Over(record.Identity);
        var images = record.Images;
        var listed = inventory.Images.SelectMany(i => i.Tags.Concat(i.Digests)).ToHashSet();
        var removed = new List<ImageRef>();
        foreach (var (image, entry) in images.ToList())
        {
            if (entry.PulledAt is { } pulledAt && !listed.Contains(image))
            {
                removed.Add(image);
                var removals = entry.Removals + 1;
                images[image] = new Entry(null, removals, now + disk.BackoffAfter(removals));
            }
            else if (entry.PulledAt is { } kept && now - kept > disk.RemovedBackoffMax && listed.Contains(image))
                images.Remove(image);
            else if (entry is { PulledAt: null, NotBefore: { } until } && now - until > disk.RemovedBackoffMax)
                images.Remove(image);
        }
        // A pin goes with its image: one pulled again is pinned afresh.
        foreach (var image in record.Pins.Keys.Where(i => !listed.Contains(i)).ToList()) record.Pins.Remove(image);
        var pins = new Dictionary<ImageRef, PinOwner>(record.Pins);
        if (record.IsEmpty && record.Identity is null) _nodes.Remove(inventory.Node);
        var heldBack = images.Where(e => e.Value.NotBefore > now).ToDictionary(e => e.Key, e => e.Value.NotBefore!.Value);
        removed.Sort();
        var changed = removed.Count > 0 || record.Images.Count + record.Pins.Count != entriesBefore || (!record.IsEmpty && record.Identity != identityBefore);
        return new NodeReckoning(inventory.Node, removed, heldBack, replaced, pins, changed);
    }

    public PullHistory Copy() => Read(Write());

    private NodeRecord RecordOf(NodeName node) => _nodes.TryGetValue(node, out var known) ? known : _nodes[node] = new NodeRecord();

    /// <summary>One node's part: who it is, what image-sync pulled there, and the pins it knows of.</summary>
    private sealed class NodeRecord
    {
        public NodeIdentity? Identity { get; set; }

        public Dictionary<ImageRef, Entry> Images { get; } = [];

        public Dictionary<ImageRef, PinOwner> Pins { get; } = [];

        /// <summary>No entry and no pin: nothing a replacement could make untrue.</summary>
        public bool IsEmpty => Images.Count == 0 && Pins.Count == 0;
    }
}
