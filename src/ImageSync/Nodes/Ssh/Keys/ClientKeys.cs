using ImageSync.Configuration;
using Renci.SshNet;

namespace ImageSync.Nodes.Ssh.Keys;

/// <summary>
/// The keys a connection offers: the key file first (it stays the default), then, with <c>ssh.agent = on</c>,
/// the ed25519, ecdsa and rsa keys the agent holds at that moment, so a key added or removed while a daemon
/// runs counts from its next connection.
/// </summary>
internal sealed class ClientKeys : IDisposable
{
    private const string AgentKey = "image-sync.ssh.agent";
    private readonly PrivateKeyFile? _file;
    private readonly SshAgentClient? _agent;

    private ClientKeys(PrivateKeyFile? file, SshAgentClient? agent, string description)
    {
        _file = file;
        _agent = agent;
        Description = description;
    }

    /// <summary>What authentication was tried with, for the message of a node that refused it.</summary>
    public string Description { get; }

    /// <summary>Loads the key file and, with the agent on, checks that the agent answers and holds a key when it is the only source.</summary>
    /// <exception cref="ConfigException">The key file cannot be used, or the agent is unset, unreachable or holds no usable key.</exception>
    public static ClientKeys Load(SshSettings ssh, Func<string, string?> environment) => Load(ssh, environment, "image-sync.ssh.key-file");

    /// <summary>The keys bastions log in with: <c>ssh.jump-key-file</c>, checked as the key file is, then the agent's.</summary>
    /// <exception cref="ConfigException">As <see cref="Load(SshSettings, Func{string, string?})"/>, naming ssh.jump-key-file.</exception>
    public static ClientKeys LoadForBastions(SshSettings ssh, Func<string, string?> environment) =>
        Load(ssh with { KeyFile = ssh.JumpKeyFile, KeyFileIsDefault = false }, environment, "image-sync.ssh.jump-key-file");

    private static ClientKeys Load(SshSettings ssh, Func<string, string?> environment, string keySetting)
    {
        var file = UsesKeyFile(ssh, File.Exists) ? PrivateKeys.Load(ssh, environment, keySetting) : null;
        if (!ssh.Agent) return new ClientKeys(file, null, $"key {ssh.KeyFile}");
        try
        {
            var agent = ReachableAgent(ssh, environment, hasKeyFile: file is not null);
            return new ClientKeys(file, agent, file is null ? $"the keys of {agent.Name}" : $"key {ssh.KeyFile} and the keys of {agent.Name}");
        }
        catch
        {
            file?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the key file is loaded, and so checked as ever. With the agent on, <c>key-file = ""</c> means
    /// none, and the default key is skipped when absent, as ssh skips its default identities; a key file
    /// set in a config or through IMAGE_SYNC_SSH_KEY_FILE must exist whatever the agent holds.
    /// </summary>
    public static bool UsesKeyFile(SshSettings ssh, Func<string, bool> exists) =>
        ssh.KeyFile.Length > 0 && (!ssh.Agent || !ssh.KeyFileIsDefault || exists(ssh.KeyFile));

    /// <exception cref="SshAgentException">The agent cannot be reached now, or it and the key file together offer no key.</exception>
    public async Task<IPrivateKeySource[]> ForConnectionAsync(CancellationToken cancellationToken)
    {
        if (_agent is null) return [_file!];
        var identities = await _agent.ListIdentitiesAsync(cancellationToken).ConfigureAwait(false);
        var agentKeys = identities.Select(identity => AgentKeySource.For(_agent, identity, cancellationToken)).OfType<IPrivateKeySource>();
        IPrivateKeySource[] keys = _file is null ? [.. agentKeys] : [_file, .. agentKeys];
        if (keys.Length == 0) throw new SshAgentException($"{NoUsableKey(_agent, identities)} and no key file is set");
        return keys;
    }

    private static SshAgentClient ReachableAgent(SshSettings ssh, Func<string, string?> environment, bool hasKeyFile)
    {
        var socket = environment("SSH_AUTH_SOCK");
        if (string.IsNullOrEmpty(socket))
        {
            throw new ConfigException([$"{AgentKey}: on, but SSH_AUTH_SOCK is not set: run image-sync where ssh-agent's variables are "
                + "(eval \"$(ssh-agent)\" and ssh-add), or set ssh.agent = off"]);
        }
        var agent = new SshAgentClient(socket, ssh.ConnectTimeout);
        IReadOnlyList<AgentIdentity> identities;
        try
        {
            // At start, before any actor runs: nothing else waits on this thread.
            identities = agent.ListIdentitiesAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (SshAgentException e)
        {
            throw new ConfigException([$"{AgentKey}: {e.Message}"]);
        }
        if (!hasKeyFile && !identities.Any(AgentKeySource.IsUsable))
        {
            throw new ConfigException([$"{AgentKey}: {NoUsableKey(agent, identities)} and no key file is set "
                + $"(ssh.key-file {(ssh.KeyFile.Length == 0 ? "is \"\"" : $"'{ssh.KeyFile}' does not exist")}): ssh-add a key"]);
        }
        return agent;
    }

    private static string NoUsableKey(SshAgentClient agent, IReadOnlyList<AgentIdentity> identities) => identities.Count == 0
        ? $"{agent.Name} holds no keys"
        : $"{agent.Name} holds no ed25519, ecdsa or rsa key (only {string.Join(", ", identities.Select(i => i.KeyType).Distinct())})";

    public void Dispose() => _file?.Dispose();
}
