using System.Globalization;
using System.Text.Json;

namespace ImageSync.Domain;

/// <summary>
/// Which machine and which image store a node name stands for, read with its facts: the machine's
/// <c>/etc/machine-id</c> (written anew by every install of the OS, kept across reboots) and the directory crictl names
/// as the image filesystem (made anew whenever the runtime's store is wiped and the runtime restarted). A node whose
/// identity changed since image-sync last pulled onto it is another node under the same name (re-imaged, replaced,
/// its store wiped): what image-sync knew of it no longer holds.
/// </summary>
/// <param name="MachineId">null when it could not be read.</param>
/// <param name="Store">null when it could not be read.</param>
public sealed record NodeIdentity(string? MachineId, ImageStoreIdentity? Store)
{
    /// <summary>Why this is not the node <paramref name="recorded"/> was (it was replaced); null when nothing both know differs.</summary>
    public string? ReplacedSince(NodeIdentity recorded) =>
        MachineId is not null && recorded.MachineId is not null && MachineId != recorded.MachineId ? "machine-id changed"
        : Store is not null && recorded.Store is not null && Store.Path == recorded.Store.Path && Store != recorded.Store
            ? $"its image store {Store.Path} was made anew"
            : null;

    /// <summary>What is known now, and what was known before where it could not be read now.</summary>
    public NodeIdentity Over(NodeIdentity? recorded) => new(MachineId ?? recorded?.MachineId, Store ?? recorded?.Store);

    /// <summary>A machine-id as machine-id(5) has it: 32 lowercase hexadecimal digits; null for anything else.</summary>
    public static string? MachineIdOf(string line)
    {
        var id = line.Trim();
        return id.Length == 32 && id.All(char.IsAsciiHexDigitLower) ? id : null;
    }
}

/// <summary>The directory of an image store as <c>stat -c '%i %.9W %n'</c> prints it: a new directory has a new inode or birth time.</summary>
/// <param name="Path">Where it was read: the image filesystem's directory, or the runtime's root above it where the login may not enter.</param>
/// <param name="Born">Its birth time as stat prints it (seconds with nanoseconds; 0 where the filesystem keeps none).</param>
public sealed record ImageStoreIdentity(string Path, long Inode, string Born)
{
    /// <summary>Reads stat's line; null when it is not that shape.</summary>
    public static ImageStoreIdentity? Parse(string line)
    {
        var fields = line.Trim().Split(' ', 3);
        return fields.Length == 3 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
               && fields[1].Length is > 0 and <= 32 && fields[1].All(c => char.IsAsciiDigit(c) || c == '.') && fields[2].StartsWith('/')
            ? new ImageStoreIdentity(fields[2], inode, fields[1])
            : null;
    }
}

/// <summary>An identity as JSON, the same in the state file and in <c>--json</c>: <c>{"machineId": …, "store": {"path", "inode", "born"}}</c>.</summary>
public static class NodeIdentityJson
{
    /// <summary>Writes the property <paramref name="name"/>: the identity, null where it or a part of it is not known.</summary>
    public static void Write(Utf8JsonWriter json, string name, NodeIdentity? identity)
    {
        if (identity is null)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        json.WriteString("machineId", identity.MachineId);
        if (identity.Store is { } store)
        {
            json.WriteStartObject("store");
            json.WriteString("path", store.Path);
            json.WriteNumber("inode", store.Inode);
            json.WriteString("born", store.Born);
            json.WriteEndObject();
        }
        else json.WriteNull("store");
        json.WriteEndObject();
    }

    /// <exception cref="InvalidOperationException">The element is not an identity's shape.</exception>
    /// <exception cref="KeyNotFoundException">A store without one of its fields.</exception>
    public static NodeIdentity? Read(JsonElement identity)
    {
        if (identity.ValueKind == JsonValueKind.Null) return null;
        var machineId = identity.GetProperty("machineId") is { ValueKind: JsonValueKind.String } id ? NodeIdentity.MachineIdOf(id.GetString()!) : null;
        var store = identity.GetProperty("store") is { ValueKind: JsonValueKind.Object } s
            ? new ImageStoreIdentity(s.GetProperty("path").GetString() ?? "", s.GetProperty("inode").GetInt64(), s.GetProperty("born").GetString() ?? "")
            : null;
        return new NodeIdentity(machineId, store);
    }
}
