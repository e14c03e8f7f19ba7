using System.Text.RegularExpressions;
using ImageSync.Domain;

namespace ImageSync.Configuration;

public enum HostKeyChecking
{
    Strict,
    AcceptNew,
    Off,
}

/// <param name="User">The login of a node that names none.</param>
/// <param name="Port">The port of a node that names none.</param>
/// <param name="KeepConnections">A daemon keeps each node's connection open from one sync to the next (a single run never does).</param>
/// <param name="MaxOpenConnections">The most connections a daemon keeps open between syncs; the least recently used is closed first.</param>
/// <param name="Jump">The bastions of a node that names none of its own.</param>
/// <param name="Agent">Offer the keys of the ssh-agent at SSH_AUTH_SOCK as well as the key file.</param>
/// <param name="KeyFileIsDefault">The key file is the reference default, not set by a config or IMAGE_SYNC_SSH_KEY_FILE.</param>
/// <param name="JumpKeyFile">The key bastions log in with; empty: the nodes' keys.</param>
/// <param name="NodeHelper">Nodes that name no choice of their own are spoken to through the node helper (a forced command), not shell programs.</param>
/// <param name="NodeHelperPath">Where the helper is installed on the nodes (what the controller names; a forced command runs it whatever is named).</param>
public sealed partial record SshSettings(
    string KeyFile,
    string KeyPassphraseFile,
    string KeyPassphraseEnv,
    string KnownHostsFile,
    HostKeyChecking HostKeyChecking,
    TimeSpan ConnectTimeout,
    TimeSpan KeepAlive,
    TimeSpan CommandTimeout,
    bool Sudo,
    string Crictl,
    IReadOnlyList<string> KexAlgorithms,
    int MaxConnecting,
    string User,
    int Port,
    bool KeepConnections,
    int MaxOpenConnections,
    JumpChain Jump,
    bool Agent,
    bool KeyFileIsDefault,
    string JumpKeyFile,
    bool NodeHelper,
    string NodeHelperPath)
{
    private const string Section = "image-sync.ssh";

    /// <summary>Reads <c>image-sync.ssh</c>; what is wrong goes to the reader's problems.</summary>
    /// <param name="home">What <c>~</c> stands for in paths.</param>
    internal static SshSettings Create(ConfigReader reader, string home)
    {
        var crictl = reader.String($"{Section}.crictl");
        if (!IsCommand(crictl))
            reader.Problem($"{Section}.crictl", reader.Node($"{Section}.crictl"), $"'{crictl}' is not a command name or absolute path (letters, digits, / . _ -)");
        var passphraseEnv = reader.String($"{Section}.key-passphrase-env");
        if (passphraseEnv.Length > 0 && !EnvNamePattern().IsMatch(passphraseEnv))
            reader.Problem($"{Section}.key-passphrase-env", reader.Node($"{Section}.key-passphrase-env"), $"'{passphraseEnv}' is not an environment variable name");
        var agent = reader.Switch($"{Section}.agent");
        var helperPath = reader.String($"{Section}.node-helper-path");
        if (!IsCommand(helperPath) || !helperPath.StartsWith('/'))
            reader.Problem($"{Section}.node-helper-path", reader.Node($"{Section}.node-helper-path"), $"'{helperPath}' is not an absolute path (letters, digits, / . _ -)");
        var keyFile = reader.Path($"{Section}.key-file", home, allowEmpty: true);
        // "" is how a config says "no key file", which only the agent's keys can stand in for.
        if (keyFile.Length == 0 && !agent && reader.Node($"{Section}.key-file") is HoconScalar empty)
            reader.Problem($"{Section}.key-file", empty, "must not be empty: name the private key, or set ssh.agent = on to use only the agent's keys");

        return new SshSettings(
            keyFile,
            reader.Path($"{Section}.key-passphrase-file", home, allowEmpty: true),
            passphraseEnv,
            reader.Path($"{Section}.known-hosts-file", home),
            reader.Choice<HostKeyChecking>($"{Section}.host-key-checking"),
            reader.Duration($"{Section}.connect-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            reader.Duration($"{Section}.keepalive", TimeSpan.Zero, TimeSpan.FromHours(1)),
            reader.Duration($"{Section}.command-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            reader.Switch($"{Section}.sudo"),
            crictl,
            reader.StringList($"{Section}.kex-algorithms"),
            reader.Int($"{Section}.max-connecting", 1, 1024),
            reader.String($"{Section}.user"),
            reader.Int($"{Section}.port", 1, 65_535),
            reader.Switch($"{Section}.keep-connections"),
            reader.Int($"{Section}.max-open-connections", 1, 100_000),
            JumpSetting.Read(reader, $"{Section}.jump", reader.Node($"{Section}.jump"), reader.String($"{Section}.user")),
            agent,
            reader.IsDefault($"{Section}.key-file"),
            reader.Path($"{Section}.jump-key-file", home, allowEmpty: true),
            reader.Switch($"{Section}.node-helper"),
            helperPath);
    }

    /// <summary>A command name or absolute path that a remote shell cannot misread.</summary>
    internal static bool IsCommand(string text) => CommandPattern().IsMatch(text);

    [GeneratedRegex(@"^[A-Za-z0-9_./-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex CommandPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvNamePattern();
}
