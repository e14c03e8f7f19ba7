using System.Globalization;
using System.Text.Json;
using ImageSync.Configuration;

namespace ImageSync.Domain;

/// <summary>
/// What image-sync put on which node, and what was removed since: an image it pulled that a node no longer
/// lists was deleted by someone (kubelet's image GC, an operator), and pulling it straight back would only
/// feed the next deletion. Such an image is held back on that node for <c>removed-backoff</c>, doubling with
/// each removal up to <c>removed-backoff-max</c>. Entries of images held longer than the cap are forgotten.
/// Not thread-safe: one actor owns it.
/// </summary>
public sealed class PullHistory
{
    private const int FormatVersion = 1;
    private readonly Dictionary<NodeName, Dictionary<ImageRef, Entry>> _nodes = [];

    /// <param name="PulledAt">When image-sync last pulled it there; null once it was found removed.</param>
    /// <param name="Removals">How many times it was found removed after image-sync pulled it.</param>
    /// <param name="NotBefore">It is not pulled onto the node again before this.</param>
    public sealed record Entry(DateTimeOffset? PulledAt, int Removals, DateTimeOffset? NotBefore);

    /// <summary>What one node's reading showed.</summary>
    /// <param name="Removed">Images image-sync pulled that the node no longer lists, found by this reading.</param>
    /// <param name="HeldBack">Images not to pull onto the node now, and until when.</param>
    public sealed record NodeReckoning(NodeName Node, IReadOnlyList<ImageRef> Removed, IReadOnlyDictionary<ImageRef, DateTimeOffset> HeldBack);

    public int Count => _nodes.Values.Sum(n => n.Count);

    public Entry? Find(NodeName node, ImageRef image) => _nodes.GetValueOrDefault(node)?.GetValueOrDefault(image);

    public void Pulled(NodeName node, ImageRef image, DateTimeOffset at)
    {
        var images = _nodes.TryGetValue(node, out var known) ? known : _nodes[node] = [];
        images[image] = new Entry(at, images.GetValueOrDefault(image)?.Removals ?? 0, null);
    }

    /// <summary>A pull that crictl called a success but that verification found missing: image-sync did not put it there.</summary>
    public void Unpulled(NodeName node, ImageRef image)
    {
        if (_nodes.GetValueOrDefault(node)?.GetValueOrDefault(image) is { PulledAt: not null } entry)
            _nodes[node][image] = entry with { PulledAt = null };
    }

    /// <summary>Compares what image-sync pulled with what the node lists now, and records what was removed since.</summary>
    public NodeReckoning Reckon(NodeInventory inventory, DateTimeOffset now, DiskSettings disk)
    {
        if (!_nodes.TryGetValue(inventory.Node, out var images)) return new NodeReckoning(inventory.Node, [], new Dictionary<ImageRef, DateTimeOffset>());
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
        if (images.Count == 0) _nodes.Remove(inventory.Node);
        var heldBack = images.Where(e => e.Value.NotBefore > now).ToDictionary(e => e.Key, e => e.Value.NotBefore!.Value);
        removed.Sort();
        return new NodeReckoning(inventory.Node, removed, heldBack);
    }

    public PullHistory Copy() => Read(Write());

    public byte[] Write()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", FormatVersion);
            json.WriteStartObject("nodes");
            foreach (var (node, images) in _nodes.OrderBy(n => n.Key))
            {
                json.WriteStartObject(node.Value);
                foreach (var (image, entry) in images.OrderBy(i => i.Key))
                {
                    json.WriteStartObject(image.ToString());
                    if (entry.PulledAt is { } pulledAt) json.WriteString("pulledAt", pulledAt);
                    if (entry.Removals > 0) json.WriteNumber("removals", entry.Removals);
                    if (entry.NotBefore is { } notBefore) json.WriteString("notBefore", notBefore);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <exception cref="FormatException">Not a history this version wrote.</exception>
    public static PullHistory Read(ReadOnlySpan<byte> bytes)
    {
        var history = new PullHistory();
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number
                || version.GetInt32() != FormatVersion || !root.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object)
                throw new FormatException($"not an image-sync state file of version {FormatVersion}");
            foreach (var node in nodes.EnumerateObject())
            {
                if (!NodeName.TryParse(node.Name, out var name, out _) || node.Value.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"'{node.Name}' is not a node name with images");
                var images = history._nodes[name] = [];
                foreach (var image in node.Value.EnumerateObject())
                {
                    if (!ImageRef.TryParse(image.Name, out var reference, out _) || image.Value.ValueKind != JsonValueKind.Object)
                        throw new FormatException($"'{image.Name}' is not an image reference");
                    images[reference] = new Entry(Time(image.Value, "pulledAt"), image.Value.TryGetProperty("removals", out var r) ? r.GetInt32() : 0, Time(image.Value, "notBefore"));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"not valid JSON of the state file's shape: {e.Message}", e);
        }
        return history;
    }

    private static DateTimeOffset? Time(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value)
            ? DateTimeOffset.Parse(value.GetString() ?? throw new FormatException($"{name} is not a time"), CultureInfo.InvariantCulture)
            : null;
}
