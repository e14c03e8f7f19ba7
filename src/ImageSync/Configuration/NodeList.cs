using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>Reads <c>image-sync.nodes</c>: each entry shaped as <c>image-sync-shapes.node</c> in the reference config.</summary>
internal static class NodeList
{
    private const string Key = "image-sync.nodes";

    /// <param name="mayBeEmpty">Nodes come from elsewhere too (nodes-from), so the list may be empty.</param>
    public static List<NodeSpec> Read(ConfigReader reader, TransportKind transport, SshSettings ssh, bool mayBeEmpty)
    {
        var (defaultUser, defaultPort) = (ssh.User, ssh.Port);
        var items = reader.ListOf(Key, reader.Node(Key));
        if (items.Count == 0 && !mayBeEmpty && reader.Node(Key) is HoconList or null)
            reader.Problem(Key, reader.Node(Key), "list at least one node: [ { name = worker-1, host = 10.0.0.11 } ], or read them from Kubernetes (nodes-from.kubernetes)");

        var nodes = new List<NodeSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{Key}[{i}]";
            if (items[i] is not HoconObject item)
            {
                reader.Problem(at, items[i], "expected { name = ..., host = ... }");
                continue;
            }
            reader.RejectUnknownKeys(at, item, reader.ShapeKeys("node"));
            var nameText = reader.StringOf($"{at}.name", item["name"]);
            NodeName? name = null;
            if (nameText is not null && !NodeName.TryParse(nameText, out name, out var nameError))
                reader.Problem($"{at}.name", item["name"], $"'{nameText}': {nameError}");

            // The simulated fleet is addressed by name; a host is only needed to reach a real node.
            var host = item["host"] is null && transport == TransportKind.Simulated ? "simulated" : reader.StringOf($"{at}.host", item["host"]);
            if (host is not null && !ConfigReader.IsHost(host)) reader.Problem($"{at}.host", item["host"], HostProblem(host));
            var port = item["port"] is null ? defaultPort : reader.IntOf($"{at}.port", item["port"], 1, 65_535) ?? defaultPort;
            var user = item["user"] is null ? defaultUser : reader.StringOf($"{at}.user", item["user"]) ?? defaultUser;
            if (!NodeAddress.IsUser(user))
                reader.Problem(item["user"] is null ? "image-sync.ssh.user" : $"{at}.user", item["user"] ?? reader.Node("image-sync.ssh.user"), $"'{user}' is not a valid login name");

            bool? helper = item["node-helper"] is null ? null : reader.SwitchOf($"{at}.node-helper", item["node-helper"]);
            var jump = item["jump"] is null ? ssh.Jump : JumpSetting.Read(reader, $"{at}.jump", item["jump"], ssh.User);

            if (name is null || host is null) continue;
            if (nodes.Any(n => n.Name == name)) reader.Problem($"{at}.name", item["name"], $"node name '{name}' is listed twice");
            else if (transport == TransportKind.Ssh && nodes.Any(n => n.Host == host && n.Port == port))
                reader.Problem($"{at}.host", item["host"], $"{host}:{port} is already listed as another node");
            else nodes.Add(new NodeSpec(name, host, port, user) { Jump = jump, NodeHelper = helper });
        }
        return nodes;
    }

    /// <summary>What is wrong with a host, and the entry to write instead when it is an ssh-style user@host:port.</summary>
    private static string HostProblem(string host)
    {
        if (host.Any(char.IsWhiteSpace)) return $"'{host}' holds a space: a host is one name or address (one node per entry)";
        if (!NodeAddress.TryParse(host, out var parts, out _)) return $"'{host}' is not a host name or IP address";
        var holds = (parts.User, parts.Port) switch
        {
            (not null, not null) => "a user and a port",
            (not null, null) => "a user",
            (null, not null) => "a port",
            _ => "brackets",
        };
        var entry = $"host = \"{parts.Host}\"" + (parts.Port is { } port ? $", port = {port}" : "") + (parts.User is { } user ? $", user = {user}" : "");
        return $"'{host}' holds {holds}; write them apart: {entry}";
    }
}
