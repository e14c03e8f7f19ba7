using System.Collections.Concurrent;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// One object per distinct reference, image id and image across the inventories a transport reads: a thousand
/// nodes holding the same two hundred images hold references to two hundred shared <see cref="NodeImage"/>s, and a
/// reference seen before is not parsed again. Safe to use from every session at once. Bounded: past
/// <c>capacity</c> entries it starts afresh, so a daemon whose fleet keeps changing does not grow without end.
/// </summary>
public sealed class ImageInterner(int capacity = 500_000)
{
    private readonly ConcurrentDictionary<string, ImageRef?> _references = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<NodeImage, NodeImage> _images = new(SameImage.Instance);

    /// <summary>The reference a node's text names, parsed once; null when it is not a valid reference.</summary>
    public ImageRef? Reference(string text)
    {
        if (_references.TryGetValue(text, out var known)) return known;
        var parsed = ImageRef.TryParse(text, out var reference, out _) ? reference : null;
        return Bounded(_references).GetOrAdd(text, parsed);
    }

    public string String(string text) => Bounded(_strings).GetOrAdd(text, text);

    /// <summary>The shared image equal to this one (same id, size, pin, tags and digests, in order).</summary>
    public NodeImage Image(NodeImage image) => Bounded(_images).GetOrAdd(image, image);

    private long _lookups;

    private ConcurrentDictionary<TKey, TValue> Bounded<TKey, TValue>(ConcurrentDictionary<TKey, TValue> entries) where TKey : notnull
    {
        // Count takes every lock of the dictionary: looked at now and then, not on every lookup.
        if (Interlocked.Increment(ref _lookups) % 1024 == 0 && entries.Count >= capacity) entries.Clear();
        return entries;
    }

    /// <summary>Images compared by what a node says of them, not by which list object holds their references.</summary>
    private sealed class SameImage : IEqualityComparer<NodeImage>
    {
        public static readonly SameImage Instance = new();

        public bool Equals(NodeImage? x, NodeImage? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Id == y.Id && x.SizeBytes == y.SizeBytes && x.Pinned == y.Pinned
                                      && x.Tags.SequenceEqual(y.Tags) && x.Digests.SequenceEqual(y.Digests));

        public int GetHashCode(NodeImage image)
        {
            var hash = new HashCode();
            hash.Add(image.Id, StringComparer.Ordinal);
            hash.Add(image.SizeBytes);
            foreach (var tag in image.Tags) hash.Add(tag);
            foreach (var digest in image.Digests) hash.Add(digest);
            return hash.ToHashCode();
        }
    }
}
