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

    /// <exception cref="MalformedInventoryException">The document is not valid JSON or not of crictl's shape.</exception>
    /// <exception cref="NodeException">The node lists more than <paramref name="maxImages"/> images.</exception>
    /// <param name="interner">Shares what other nodes list too; null shares nothing (one document alone).</param>
    public static NodeInventory Parse(NodeName node, ReadOnlyMemory<byte> json, int maxImages = int.MaxValue, ImageInterner? interner = null)
    {
        interner ??= new ImageInterner();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new MalformedInventoryException(node, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new MalformedInventoryException(node, "expected a JSON object at the top");
            if (!root.TryGetProperty("images", out var images) || images.ValueKind == JsonValueKind.Null)
                return NodeInventory.Empty(node);
            if (images.ValueKind != JsonValueKind.Array) throw new MalformedInventoryException(node, "\"images\" is not an array");
            if (images.GetArrayLength() > maxImages)
                throw new NodeException(node, $"crictl lists {images.GetArrayLength()} images, more than images.max-inventory-images ({maxImages})");

            var rejected = new List<string>();
            var result = new List<NodeImage>(images.GetArrayLength());
            var index = 0;
            foreach (var image in images.EnumerateArray())
            {
                result.Add(ReadImage(node, image, index++, rejected, interner));
            }
            return new NodeInventory(node, result, rejected);
        }
    }

    private static NodeImage ReadImage(NodeName node, JsonElement image, int index, List<string> rejected, ImageInterner interner)
    {
        if (image.ValueKind != JsonValueKind.Object) throw new MalformedInventoryException(node, $"images[{index}] is not an object");
        var id = interner.String(OptionalString(node, image, "id", index) ?? "");
        var tags = References(node, image, "repoTags", index, rejected, interner);
        var digests = References(node, image, "repoDigests", index, rejected, interner);
        return interner.Image(new NodeImage(id, tags, digests, Size(node, image, index)));
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

    private static string? OptionalString(NodeName node, JsonElement image, string field, int index)
    {
        if (!image.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new MalformedInventoryException(node, $"images[{index}].{field} is not a string");
    }
}
