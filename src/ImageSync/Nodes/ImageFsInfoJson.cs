using System.Globalization;
using System.Text.Json;

namespace ImageSync.Nodes;

/// <summary>
/// Reads <c>crictl imagefsinfo -o json</c> in both shapes: crictl ≥ 1.29 lists
/// <c>status.imageFilesystems[]</c> (the first is where images are unpacked), older crictl has the one
/// filesystem's <c>fsId</c> and <c>usedBytes</c> straight under <c>status</c>.
/// </summary>
public static class ImageFsInfoJson
{
    /// <param name="UsedBytes">What crictl counts as used by images; null when it does not say.</param>
    public sealed record ImageFs(string Mountpoint, long? UsedBytes);

    /// <returns>The image filesystem, or null with <paramref name="problem"/> saying why not.</returns>
    public static ImageFs? Parse(string json, out string? problem)
    {
        problem = null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("status", out var status)
                || status.ValueKind != JsonValueKind.Object)
            {
                problem = "crictl imagefsinfo printed no \"status\" object";
                return null;
            }
            var filesystem = status.TryGetProperty("imageFilesystems", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().FirstOrDefault()
                : status;
            if (filesystem.ValueKind != JsonValueKind.Object
                || !filesystem.TryGetProperty("fsId", out var fsId) || fsId.ValueKind != JsonValueKind.Object
                || !fsId.TryGetProperty("mountpoint", out var mountpoint) || mountpoint.ValueKind != JsonValueKind.String
                || mountpoint.GetString() is not { Length: > 0 } path)
            {
                problem = "crictl imagefsinfo names no image filesystem mountpoint";
                return null;
            }
            return new ImageFs(path, UsedBytesOf(filesystem));
        }
        catch (JsonException e)
        {
            problem = $"crictl imagefsinfo printed no valid JSON (line {e.LineNumber + 1})";
            return null;
        }
    }

    /// <summary><c>usedBytes.value</c>: a decimal string in crictl's JSON (a uint64 in protobuf's JSON mapping), sometimes a number.</summary>
    private static long? UsedBytesOf(JsonElement filesystem)
    {
        if (!filesystem.TryGetProperty("usedBytes", out var used) || used.ValueKind != JsonValueKind.Object || !used.TryGetProperty("value", out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) => bytes,
            JsonValueKind.Number when value.TryGetInt64(out var bytes) && bytes >= 0 => bytes,
            _ => null,
        };
    }
}
