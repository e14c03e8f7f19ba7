using System.Globalization;
using System.Text.Json;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// Reads the document <c>crictl images -o json</c> prints, in both shapes: crictl up to 1.30 writes null
/// fields, later versions omit them. <c>size</c> is a decimal string. Tags that are not valid references
/// are kept aside, never used.
/// </summary>
public static class CrictlImagesJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };
    private const int FirstBuffer = 64 * 1024;

    /// <exception cref="MalformedInventoryException">The document is not valid JSON or not of crictl's shape.</exception>
    /// <exception cref="NodeException">The node lists more than <paramref name="maxImages"/> images.</exception>
    /// <param name="interner">Shares what other nodes list too; null shares nothing (one document alone).</param>
    public static NodeInventory Parse(NodeName node, ReadOnlyMemory<byte> json, int maxImages = int.MaxValue, ImageInterner? interner = null)
    {
        using var stream = new MemoryStream(json.ToArray(), writable: false);
        return Read(node, stream, maxImages, interner);
    }

    /// <summary>
    /// Reads the document as it arrives: each image is made as soon as its object has streamed in, so what is held is
    /// the images made so far and at most one image's worth of unread text, never the whole document.
    /// </summary>
    /// <exception cref="MalformedInventoryException">The document is not valid JSON or not of crictl's shape.</exception>
    /// <exception cref="NodeException">The node lists more than <paramref name="maxImages"/> images.</exception>
    public static NodeInventory Read(NodeName node, Stream json, int maxImages = int.MaxValue, ImageInterner? interner = null)
    {
        var document = new Streamed(node, maxImages, interner ?? new ImageInterner());
        var buffer = new byte[FirstBuffer];
        var (filled, final) = (0, false);
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = Options.MaxDepth });
        try
        {
            while (true)
            {
                var data = buffer.AsSpan(0, filled);
                var reader = new Utf8JsonReader(data, final, state);
                var consumed = 0L;
                while (document.Step(ref reader, data)) (consumed, state) = (reader.BytesConsumed, reader.CurrentState);
                if (document.Ended) return document.Inventory;
                if (final) throw new MalformedInventoryException(node, "not valid JSON (the document ends early)");
                // Keep what no whole step could use yet, and read on; grow when one image is bigger than the buffer.
                buffer.AsSpan((int)consumed, filled - (int)consumed).CopyTo(buffer);
                filled -= (int)consumed;
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var read = json.Read(buffer, filled, buffer.Length - filled);
                filled += read;
                final = read == 0;
            }
        }
        catch (JsonException e)
        {
            throw new MalformedInventoryException(node, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    /// <summary>Where a streamed document is: before its top object, among its fields, at or in its images, or past its end.</summary>
    private sealed class Streamed(NodeName node, int maxImages, ImageInterner interner)
    {
        private readonly List<NodeImage> _images = [];
        private readonly List<string> _rejected = [];
        private Part _part = Part.Top;

        private enum Part
        {
            Top,
            Fields,
            ImagesValue,
            Images,
            End,
        }

        public bool Ended { get; private set; }

        public NodeInventory Inventory => new(node, _images, _rejected);

        /// <summary>
        /// One whole step (a token, a skipped value, an image); false when the reader holds too little for it (it is
        /// then taken again, from where it started, once more text arrived) or the document has ended.
        /// </summary>
        public bool Step(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
        {
            if (_part == Part.End)
            {
                // Only white space may follow; the reader throws on anything else.
                Ended = !reader.Read() && reader.IsFinalBlock;
                return false;
            }
            if (!reader.Read()) return false;
            switch (_part)
            {
                case Part.Top when reader.TokenType != JsonTokenType.StartObject:
                    throw new MalformedInventoryException(node, "expected a JSON object at the top");
                case Part.Top:
                    _part = Part.Fields;
                    return true;
                case Part.Fields when reader.TokenType == JsonTokenType.EndObject:
                    _part = Part.End;
                    return true;
                case Part.Fields when reader.ValueTextEquals("images"u8):
                    _part = Part.ImagesValue;
                    return true;
                case Part.Fields:
                    return reader.TrySkip();
                case Part.ImagesValue when reader.TokenType == JsonTokenType.Null:
                    _part = Part.Fields;
                    return true;
                case Part.ImagesValue when reader.TokenType == JsonTokenType.StartArray:
                    _part = Part.Images;
                    return true;
                case Part.ImagesValue:
                    throw new MalformedInventoryException(node, "\"images\" is not an array");
                case Part.Images when reader.TokenType == JsonTokenType.EndArray:
                    _part = Part.Fields;
                    return true;
                default:
                    return ReadImage(ref reader, data);
            }
        }

        /// <summary>One element of <c>images</c>, made once all of it has arrived.</summary>
        private bool ReadImage(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
        {
            var start = (int)reader.TokenStartIndex;
            if (!reader.TrySkip()) return false;
            if (_images.Count == maxImages)
                throw new NodeException(node, $"crictl lists more images than images.max-inventory-images ({maxImages})");
            using var element = JsonDocument.Parse(data[start..(int)reader.BytesConsumed].ToArray(), Options);
            _images.Add(CrictlImagesJson.ReadImage(node, element.RootElement, _images.Count, _rejected, interner));
            return true;
        }
    }

    private static NodeImage ReadImage(NodeName node, JsonElement image, int index, List<string> rejected, ImageInterner interner)
    {
        if (image.ValueKind != JsonValueKind.Object) throw new MalformedInventoryException(node, $"images[{index}] is not an object");
        var id = interner.String(OptionalString(node, image, "id", index) ?? "");
        var tags = References(node, image, "repoTags", index, rejected, interner);
        var digests = References(node, image, "repoDigests", index, rejected, interner);
        return interner.Image(new NodeImage(id, tags, digests, Size(node, image, index), Pinned(node, image, index)));
    }

    private static ImageRef[] References(NodeName node, JsonElement image, string field, int index, List<string> rejected, ImageInterner interner)
    {
        if (!image.TryGetProperty(field, out var array) || array.ValueKind == JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array) throw new MalformedInventoryException(node, $"images[{index}].{field} is not an array");
        var found = new List<ImageRef>(array.GetArrayLength());
        foreach (var entry in array.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String) throw new MalformedInventoryException(node, $"images[{index}].{field} holds a non-string");
            var text = entry.GetString()!;
            // crictl lists untagged images as "<none>:<none>" on some runtimes: not an image to sync, not an attack.
            if (text == "<none>:<none>" || text == "<none>@<none>") continue;
            if (interner.Reference(text) is { } reference) found.Add(reference);
            else rejected.Add(text);
        }
        return [.. found];
    }

    private static long Size(NodeName node, JsonElement image, int index)
    {
        if (!image.TryGetProperty("size", out var size) || size.ValueKind == JsonValueKind.Null) return 0;
        if (size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var number) && number >= 0) return number;
        if (size.ValueKind == JsonValueKind.String
            && long.TryParse(size.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) return parsed;
        throw new MalformedInventoryException(node, $"images[{index}].size is not a non-negative integer");
    }

    /// <summary>CRI's <c>pinned</c>: the runtime keeps the image from kubelet's GC (containerd ≥ 1.7.3 for its label, CRI-O for its pinned_images).</summary>
    private static bool Pinned(NodeName node, JsonElement image, int index) =>
        image.TryGetProperty("pinned", out var pinned) && pinned.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new MalformedInventoryException(node, $"images[{index}].pinned is not true or false"),
        };

    private static string? OptionalString(NodeName node, JsonElement image, string field, int index)
    {
        if (!image.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new MalformedInventoryException(node, $"images[{index}].{field} is not a string");
    }
}
