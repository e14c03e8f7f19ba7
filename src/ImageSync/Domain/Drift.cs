namespace ImageSync.Domain;

/// <summary>One tag that points to different content on different nodes: a mutable tag that moved.</summary>
/// <param name="Digests">Each node's repo digest for the tag, by node.</param>
public sealed record TagDrift(ImageRef Tag, IReadOnlyDictionary<NodeName, string> Digests)
{
    public override string ToString() => $"{Tag}: {DescribeDigests()}";

    /// <summary>Each node with the start of its digest, e.g. <c>worker-1 sha256:4bcff63911fc…</c>.</summary>
    public string DescribeDigests() => string.Join(", ", Digests.OrderBy(d => d.Key).Select(d => $"{d.Key} {ShortDigest(d.Value)}"));

    private static string ShortDigest(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;
}

public static class DriftFinder
{
    /// <summary>Matching tags whose repo digest differs between nodes that hold them. Tags without a digest are not judged.</summary>
    public static IReadOnlyList<TagDrift> Find(IEnumerable<NodeInventory> inventories, ImageFilter filter)
    {
        var digests = new SortedDictionary<ImageRef, SortedDictionary<NodeName, string>>();
        foreach (var inventory in inventories)
        {
            foreach (var image in inventory.Images)
            {
                foreach (var tag in image.Tags.Where(filter.Matches))
                {
                    var digest = image.Digests.FirstOrDefault(d => d.Repository == tag.Repository)?.Digest;
                    if (digest is null) continue;
                    if (!digests.TryGetValue(tag, out var byNode)) digests[tag] = byNode = [];
                    byNode[inventory.Node] = digest;
                }
            }
        }
        return digests
            .Where(d => d.Value.Values.Distinct().Count() > 1)
            .Select(d => new TagDrift(d.Key, d.Value))
            .ToList();
    }
}
