using System.Globalization;
using System.Text.Json;

namespace ImageSync.Domain;

/// <summary>
/// The history as the state file holds it: <c>{"version": 2, "nodes": {NODE: {"identity": …, "images": {REF: entry}, "pins": {REF: owner}}}}</c>.
/// A file of version 1 (a node's images straight under its name, no identity) is read as well.
/// </summary>
public sealed partial class PullHistory
{
    private const int FormatVersion = 2;

    /// <summary>Every node with images or pins, with its identity; a node known by its identity alone is not written (the next sync reads it again).</summary>
    public byte[] Write()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", FormatVersion);
            json.WriteStartObject("nodes");
            foreach (var (node, record) in _nodes.Where(n => !n.Value.IsEmpty).OrderBy(n => n.Key))
            {
                json.WriteStartObject(node.Value);
                NodeIdentityJson.Write(json, "identity", record.Identity);
                json.WriteStartObject("images");
                foreach (var (image, entry) in record.Images.OrderBy(i => i.Key))
                {
                    json.WriteStartObject(image.ToString());
                    if (entry.PulledAt is { } pulledAt) json.WriteString("pulledAt", pulledAt);
                    if (entry.Removals > 0) json.WriteNumber("removals", entry.Removals);
                    if (entry.NotBefore is { } notBefore) json.WriteString("notBefore", notBefore);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
                json.WriteStartObject("pins");
                foreach (var (image, owner) in record.Pins.OrderBy(p => p.Key)) json.WriteString(image.ToString(), OwnerName(owner));
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <exception cref="FormatException">Not a history this version wrote, or the one before.</exception>
    public static PullHistory Read(ReadOnlySpan<byte> bytes)
    {
        var history = new PullHistory();
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number
                || version.GetInt32() is not (1 or FormatVersion) || !root.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object)
                throw new FormatException($"not an image-sync state file of version 1 or {FormatVersion}");
            foreach (var node in nodes.EnumerateObject())
            {
                if (!NodeName.TryParse(node.Name, out var name, out _) || node.Value.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"'{node.Name}' is not a node name with images");
                var record = history.RecordOf(name);
                var images = node.Value;
                if (version.GetInt32() == FormatVersion)
                {
                    record.Identity = NodeIdentityJson.Read(node.Value.GetProperty("identity"));
                    images = node.Value.GetProperty("images");
                    foreach (var pin in node.Value.GetProperty("pins").EnumerateObject())
                        record.Pins[ImageRef.TryParse(pin.Name, out var pinned, out _) ? pinned : throw new FormatException($"'{pin.Name}' is not an image reference")] = OwnerOf(pin.Value.GetString());
                }
                foreach (var image in images.EnumerateObject())
                {
                    if (!ImageRef.TryParse(image.Name, out var reference, out _) || image.Value.ValueKind != JsonValueKind.Object)
                        throw new FormatException($"'{image.Name}' is not an image reference");
                    record.Images[reference] = new Entry(Time(image.Value, "pulledAt"), image.Value.TryGetProperty("removals", out var r) ? r.GetInt32() : 0, Time(image.Value, "notBefore"));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"not valid JSON of the state file's shape: {e.Message}", e);
        }
        return history;
    }

    /// <summary>How a pin's owner is written: <c>image-sync</c> or <c>operator</c>, as <c>--json</c> shows it too.</summary>
    public static string OwnerName(PinOwner owner) => owner == PinOwner.ImageSync ? "image-sync" : "operator";

    private static PinOwner OwnerOf(string? name) => name switch
    {
        "image-sync" => PinOwner.ImageSync,
        "operator" => PinOwner.Operator,
        _ => throw new FormatException($"'{name}' is not who pinned an image (image-sync or operator)"),
    };

    private static DateTimeOffset? Time(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value)
            ? DateTimeOffset.Parse(value.GetString() ?? throw new FormatException($"{name} is not a time"), CultureInfo.InvariantCulture)
            : null;
}
