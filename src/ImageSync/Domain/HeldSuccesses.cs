namespace ImageSync.Domain;

/// <summary>Successes held until their node's images are read again, with at most one such read per node at a time.</summary>
internal sealed class HeldSuccesses
{
    private readonly Dictionary<NodeName, List<PullOutcome>> _held = [];
    private readonly HashSet<NodeName> _reading = [];

    public IReadOnlyList<NodeName> Nodes => [.. _held.Keys];

    public void Hold(PullOutcome outcome)
    {
        var node = outcome.Pull.Node;
        if (!_held.TryGetValue(node, out var pending)) _held[node] = pending = [];
        pending.Add(outcome);
    }

    /// <returns>Whether a read of the node's images is due now: it holds successes and none is being read.</returns>
    public bool StartReading(NodeName node) => _held.ContainsKey(node) && _reading.Add(node);

    /// <returns>The node's held successes, no longer held; none when it had none.</returns>
    public IReadOnlyList<PullOutcome> Release(NodeName node)
    {
        _reading.Remove(node);
        return _held.Remove(node, out var pending) ? pending : [];
    }

    /// <returns>The node's held successes, no longer held, checked against its images read again: one not listed (under the source's digest) is FAILED.</returns>
    public IReadOnlyList<PullOutcome> Verify(NodeName node, NodeInventory inventory)
    {
        var held = Release(node);
        if (held.Count == 0) return [];
        var listed = new Dictionary<ImageRef, NodeImage>();
        foreach (var image in inventory.Images) foreach (var reference in image.Tags.Concat(image.Digests)) listed.TryAdd(reference, image);
        return [.. held.Select(outcome => outcome.CheckedAgainst(listed))];
    }
}
