using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>
/// Reads a <c>jump</c> (<c>ssh.jump</c>, or a node's own): one bastion as <c>user@host:port</c>, or a list of them
/// for a chain, first hop first. <c>[]</c> is no bastion; a node writes it to be reached directly when
/// <c>ssh.jump</c> names one. A bastion without a user logs in as <c>ssh.user</c>; without a port, on 22.
/// </summary>
internal static class JumpSetting
{
    private const int SshPort = 22;

    public static JumpChain Read(ConfigReader reader, string key, HoconNode? node, string defaultUser)
    {
        if (node is null) return JumpChain.Direct;
        var entries = node is HoconList list
            ? list.Items.Select((item, i) => (Key: $"{key}[{i}]", Node: item)).ToList()
            : [(Key: key, Node: node)];
        var hops = new List<JumpHost>();
        foreach (var entry in entries)
        {
            var text = reader.StringOf(entry.Key, entry.Node);
            if (text is null) continue;
            if (Parse(text, defaultUser, out var hop, out var problem)) hops.Add(hop!);
            else reader.Problem(entry.Key, entry.Node, problem);
        }
        return new JumpChain(hops);
    }

    private static bool Parse(string text, string defaultUser, out JumpHost? hop, out string problem)
    {
        hop = null;
        if (text.Length == 0)
        {
            problem = "is empty: name a bastion as user@host:port, or write jump = [] to connect directly";
            return false;
        }
        if (text.Contains(','))
        {
            problem = $"'{text}' names several bastions: write a chain as a list, first hop first: [\"{string.Join("\", \"", text.Split(','))}\"]";
            return false;
        }
        if (!NodeAddress.TryParse(text, out var address, out var error))
        {
            problem = $"'{text}': {error} (a bastion is user@host:port, user and port optional)";
            return false;
        }
        var user = address.User ?? defaultUser;
        if (!NodeAddress.IsUser(user))
        {
            problem = $"'{text}' names no user and ssh.user '{user}' is not a valid login name";
            return false;
        }
        hop = new JumpHost(user, address.Host, address.Port ?? SshPort);
        problem = "";
        return true;
    }
}
