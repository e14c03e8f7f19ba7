namespace ImageSync.Domain;

/// <summary>One image as a node's runtime reports it.</summary>
/// <param name="Tags">References by tag (<c>repoTags</c>); empty for images pulled by digest.</param>
/// <param name="Digests">References by digest (<c>repoDigests</c>), used to tell whether two nodes' tags agree.</param>
/// <param name="Pinned">The runtime keeps it from kubelet's image GC (CRI's <c>pinned</c>).</param>
public sealed record NodeImage(string Id, IReadOnlyList<ImageRef> Tags, IReadOnlyList<ImageRef> Digests, long SizeBytes, bool Pinned = false);

/// <summary>What one node holds, read once per run.</summary>
/// <param name="RejectedReferences">Strings the node reported that are not valid image references; never used.</param>
public sealed record NodeInventory(NodeName Node, IReadOnlyList<NodeImage> Images, IReadOnlyList<string> RejectedReferences)
{
    public static NodeInventory Empty(NodeName node) => new(node, [], []);
}
