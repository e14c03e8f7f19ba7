namespace ImageSync.Domain;

/// <summary>One tag that points to different content on different nodes: a mutable tag that moved.</summary>
/// <param name="Digests">Each node's repo digest for the tag, by node.</param>
public sealed record TagDrift(ImageRef Tag, IReadOnlyDictionary<NodeName, string> Digests)
{
    public override string ToString() => $"{Tag}: {DescribeDigests()}";

    /// <summary>
    /// Each digest with the start of it and the nodes that hold it, e.g. <c>sha256:4bcff63911fc… on worker-1, worker-2 +97 more</c>:
    /// as long for a thousand nodes as for two.
    /// </summary>
    public string DescribeDigests() =>
        string.Join("; ", Digests.GroupBy(d => d.Value).OrderBy(g => g.Key)
            .Select(g => $"{ShortDigest(g.Key)} on {Capped.Join(g.Select(d => d.Key).Order().ToList(), Capped.InCell)}"));

    private static string ShortDigest(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;
}

public static class DriftFinder
{
    /// <summary>Matching tags whose repo digest differs between nodes that hold them. Tags without a digest are not judged.</summary>
    public static IReadOnlyList<TagDrift> Find(IReadOnlyList<NodeInventory> inventories, ImageFilter filter)
    {
        // First pass: remember one digest per tag and whether any node disagrees. Drift is rare, so the
        // per-node detail is only gathered, in a second pass, for the tags that drifted.
        var seen = new Dictionary<ImageRef, (string Digest, bool Drifted)>();
        foreach (var (_, tag, digest) in DigestedTags(inventories, filter))
        {
            if (!seen.TryGetValue(tag, out var first)) seen[tag] = (digest, false);
            else if (!first.Drifted && first.Digest != digest) seen[tag] = (first.Digest, true);
        }
        var drifted = seen.Where(s => s.Value.Drifted).Select(s => s.Key).ToHashSet();
        if (drifted.Count == 0) return [];

        var byTag = drifted.ToDictionary(t => t, _ => new SortedDictionary<NodeName, string>());
        foreach (var (node, tag, digest) in DigestedTags(inventories, filter))
        {
            if (byTag.TryGetValue(tag, out var byNode)) byNode[node] = digest;
        }
        return byTag.OrderBy(t => t.Key).Select(t => new TagDrift(t.Key, t.Value)).ToList();
    }

    /// <summary>The image's repo digest for the tag's repository (a loop: called for every tag of every node).</summary>
    private static string? DigestOf(NodeImage image, ImageRef tag)
    {
        foreach (var digest in image.Digests)
        {
            if (digest.Repository == tag.Repository) return digest.Digest;
        }
        return null;
    }

    private static IEnumerable<(NodeName Node, ImageRef Tag, string Digest)> DigestedTags(IReadOnlyList<NodeInventory> inventories, ImageFilter filter)
    {
        foreach (var inventory in inventories)
        {
            foreach (var image in inventory.Images)
            {
                foreach (var tag in image.Tags)
                {
                    if (!filter.Matches(tag)) continue;
                    if (DigestOf(image, tag) is { } digest) yield return (inventory.Node, tag, digest);
                }
            }
        }
    }
}
