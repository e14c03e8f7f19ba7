namespace ImageSync.Domain;

/// <summary>
/// The Kubernetes labels of a discovered node (a listed node has none). Compared by content, so a node listed
/// again with the same labels is the same <see cref="NodeSpec"/> and keeps its connection.
/// </summary>
public sealed class NodeLabels : IEquatable<NodeLabels>
{
    public static readonly NodeLabels None = new(new Dictionary<string, string>());

    private readonly SortedDictionary<string, string> _labels;

    public NodeLabels(IEnumerable<KeyValuePair<string, string>> labels) => _labels = new SortedDictionary<string, string>(labels.ToDictionary(), StringComparer.Ordinal);

    public int Count => _labels.Count;

    public string? this[string key] => _labels.GetValueOrDefault(key);

    public bool Equals(NodeLabels? other) => other is not null && _labels.SequenceEqual(other._labels);

    public override bool Equals(object? obj) => Equals(obj as NodeLabels);

    public override int GetHashCode() => _labels.Aggregate(_labels.Count, (hash, label) => HashCode.Combine(hash, label.Key, label.Value));

    public override string ToString() => string.Join(",", _labels.Select(l => $"{l.Key}={l.Value}"));
}
