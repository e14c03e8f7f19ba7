using System.Text.Json;

namespace ImageSync.Nodes;

/// <summary>
/// Reads <c>crictl imagefsinfo -o json</c> in both shapes: crictl ≥ 1.29 lists
/// <c>status.imageFilesystems[]</c> (the first is where images are unpacked), older crictl has the one
/// filesystem's <c>fsId</c> and <c>usedBytes</c> straight under <c>status</c>.
/// </summary>
public static class ImageFsInfoJson
{
    public sealed record ImageFs(string Mountpoint);

    /// <returns>The image filesystem, or null with <paramref name="problem"/> saying why not.</returns>
    public static ImageFs? Parse(string output, out string? problem)
    {
        problem = null;
        // stderr comes along (2>&1): crictl's warnings (WARN[0000] … default endpoints), sudo's, before the document.
        var start = output.StartsWith('{') ? 0 : output.IndexOf("\n{", StringComparison.Ordinal) + 1;
        var json = output[start..];
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
            return new ImageFs(path);
        }
        catch (JsonException e)
        {
            problem = $"crictl imagefsinfo printed no valid JSON (line {e.LineNumber + 1})";
            return null;
        }
    }

}
