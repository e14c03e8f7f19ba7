using System.Net;
using System.Net.Sockets;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes.Ssh.Keys;
using ImageSync.Nodes.Ssh.Trust;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ImageSync.Nodes.Ssh;

/// <summary>
/// Real nodes over SSH (SSH.NET). The private key and known_hosts are read once; each node gets one
/// connection whose channels carry every command of the run in parallel, through its bastions (<see cref="Bastions"/>) if it has any.
/// </summary>
public sealed class SshNodeTransport : INodeTransport, IDisposable
{
    // What SSH.NET can negotiate, in its own order of preference.
    private static readonly string[] KeyExchanges =
        [.. new ConnectionInfo("localhost", "probe", new NoneAuthenticationMethod("probe")).KeyExchangeAlgorithms.Keys];

    private readonly SshSettings _ssh;
    private readonly ImageSyncSettings _settings;
    private readonly ClientKeys _keys;
    private readonly ClientKeys _bastionKeys;
    private readonly HostKeyPolicy _hostKeys;
    private readonly InventoryLimits _limits;
    private readonly ImageInterner _interner = new();
    private readonly BlockingCallThreads _threads = new("ssh-blocking");
    private readonly Bastions _bastions;
    private readonly RegistryCredentials _credentials;

    private SshNodeTransport(ImageSyncSettings settings, ClientKeys keys, ClientKeys bastionKeys, KnownHosts knownHosts, Action<string> warn, RegistryCredentials credentials)
    {
        _credentials = credentials;
        _settings = settings;
        _limits = settings.Images.Limits;
        _ssh = settings.Ssh;
        _keys = keys;
        _bastionKeys = bastionKeys;
        _hostKeys = new HostKeyPolicy(knownHosts, settings.Ssh.HostKeyChecking, settings.Ssh.KnownHostsFile, warn);
        _bastions = new Bastions(OpenClientAsync, _threads);
    }

    /// <param name="warn">Told of host keys that were accepted without a match (accept-new, off).</param>
    /// <exception cref="ConfigException">The key cannot be used (missing, too open, wrong passphrase), the agent asked for cannot, or a key exchange is unknown.</exception>
    public static SshNodeTransport Create(ImageSyncSettings settings, Func<string, string?> environment, Action<string> warn)
    {
        var ssh = settings.Ssh;
        var unknown = ssh.KexAlgorithms.Except(KeyExchanges).ToList();
        if (unknown.Count > 0)
        {
            throw new ConfigException([$"image-sync.ssh.kex-algorithms: {string.Join(", ", unknown)} not supported; "
                + $"choose from {string.Join(", ", KeyExchanges)}"]);
        }
        // Read here, by each replica for its own sessions: a credential never crosses to another replica.
        var credentials = RegistryCredentials.Load(settings.CredentialsFile);
        var keys = ClientKeys.Load(ssh, environment);
        ClientKeys bastionKeys;
        try
        {
            bastionKeys = ssh.JumpKeyFile.Length == 0 ? keys : ClientKeys.LoadForBastions(ssh, environment);
        }
        catch
        {
            keys.Dispose();
            throw;
        }
        return new SshNodeTransport(settings, keys, bastionKeys, KnownHosts.Load(ssh.KnownHostsFile), warn, credentials);
    }

    public async Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        var tunnel = node.Jump.IsDirect ? null : await _bastions.OpenTunnelAsync(node, cancellationToken).ConfigureAwait(false);
        try
        {
            var client = await OpenClientAsync(SshTarget.Of(node), tunnel?.Entrance, cancellationToken).ConfigureAwait(false);
            var commands = RemoteCommands.For(node, _ssh, _settings.Pull.KillAfter, _settings.Transfer);
            return new SshNodeSession(node.Name, client, commands, _ssh.CommandTimeout, _limits, _threads, _interner, _credentials, tunnel);
        }
        catch (SshConnectFailure failure)
        {
            tunnel?.Dispose();
            // Through a bastion, the node's connection often only saw its tunnel close: the bastion is named.
            var reason = failure.Kind == NodeFailure.Node ? tunnel?.Unreached(failure.Message) ?? failure.Message : failure.Message;
            throw NodeException.Of(node.Name, failure.Kind, reason);
        }
        catch
        {
            tunnel?.Dispose();
            throw;
        }
    }

    public void SyncStarting() => _bastions.ForgetFailures();

    /// <summary>Connects, checks the host key against the target's own name and logs in.</summary>
    /// <param name="entrance">Where to connect instead of the target's address: a tunnel through its bastion.</param>
    /// <exception cref="SshConnectFailure">Not connected; the reason names the target.</exception>
    private async Task<SshClient> OpenClientAsync(SshTarget node, IPEndPoint? entrance, CancellationToken cancellationToken)
    {
        IPrivateKeySource[] keys;
        try
        {
            keys = await KeysFor(node).ForConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SshAgentException e)
        {
            throw new SshConnectFailure(NodeFailure.Authentication, e.Message);
        }
        var info = new ConnectionInfo(entrance?.Address.ToString() ?? node.Host, entrance?.Port ?? node.Port, node.User, new PrivateKeyAuthenticationMethod(node.User, keys))
        {
            Timeout = _ssh.ConnectTimeout,
        };
        OfferOnlyTrustableHostKeys(info, node);
        OfferOnlyChosenKeyExchanges(info);
        PreferAesGcm(info);

        var presentedCertificate = CapturePresentedCertificate(info);
        var client = new SshClient(info);
        string? refusal = null;
        client.HostKeyReceived += (_, e) =>
        {
            // The event carries the certified key, not the certificate: the check needs the certificate's own bytes.
            refusal = presentedCertificate() is { } certificate
                ? _hostKeys.CheckCertificate(node.Address, certificate, DateTimeOffset.UtcNow)
                : _hostKeys.CheckKey(node.Address, e.HostKeyName, e.HostKey);
            e.CanTrust = refusal is null;
        };
        if (_ssh.KeepAlive > TimeSpan.Zero) client.KeepAliveInterval = _ssh.KeepAlive;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_ssh.ConnectTimeout);
        // SSH.NET's ConnectAsync still blocks its caller through the key exchange and login: the whole
        // connect runs on a thread of our own. Giving up disposes the client, which ends that wait too.
        var connecting = _threads.Run(client.Connect);
        try
        {
            await connecting.WaitAsync(deadline.Token).ConfigureAwait(false);
            return client;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _threads.Forget(client.Dispose);
            // SSH.NET refuses an expired or badly signed certificate before it asks us: say which and why.
            if (refusal is null && presentedCertificate() is { } certificate) refusal = _hostKeys.CheckCertificate(node.Address, certificate, DateTimeOffset.UtcNow);
            if (refusal is not null) throw new SshConnectFailure(NodeFailure.HostKey, refusal);
            if (e is SshAuthenticationException or SshAgentException) throw new SshConnectFailure(NodeFailure.Authentication, Describe(node, e));
            throw new SshConnectFailure(NodeFailure.Node, Describe(node, e));
        }
        catch
        {
            _threads.Forget(client.Dispose);
            throw;
        }
    }

    private void OfferOnlyTrustableHostKeys(ConnectionInfo info, SshTarget node)
    {
        foreach (var algorithm in info.HostKeyAlgorithms.Keys.Where(algorithm => !_hostKeys.Offers(node.Address, algorithm)).ToList())
            info.HostKeyAlgorithms.Remove(algorithm);
    }

    /// <returns>The certificate the node presented during the key exchange, if it presented one.</returns>
    private static Func<byte[]?> CapturePresentedCertificate(ConnectionInfo info)
    {
        byte[]? presented = null;
        foreach (var algorithm in info.HostKeyAlgorithms.Keys.Where(HostCertificate.IsCertificateType).ToList())
        {
            var create = info.HostKeyAlgorithms[algorithm];
            info.HostKeyAlgorithms[algorithm] = data =>
            {
                presented = data;
                return create(data);
            };
        }
        return () => presented;
    }

    /// <summary>SSH.NET proposes its methods in dictionary order; the server takes the first one it also knows.</summary>
    private void OfferOnlyChosenKeyExchanges(ConnectionInfo info)
    {
        if (_ssh.KexAlgorithms.Count == 0) return;
        var available = new Dictionary<string, Func<Renci.SshNet.Security.IKeyExchange>>(info.KeyExchangeAlgorithms);
        info.KeyExchangeAlgorithms.Clear();
        foreach (var name in _ssh.KexAlgorithms.Distinct()) info.KeyExchangeAlgorithms.Add(name, available[name]);
    }

    /// <summary>
    /// SSH.NET proposes aes128-ctr first, which it pays with a managed counter mode and a separate HMAC; AES-GCM
    /// runs in the platform's crypto library at about a third of the CPU (measured on 200 MiB streams), which
    /// node-to-node copies, relayed through this process, feel most. Servers without it still get the rest.
    /// </summary>
    private static void PreferAesGcm(ConnectionInfo info)
    {
        var ciphers = info.Encryptions.OrderBy(c => c.Key.EndsWith("-gcm@openssh.com", StringComparison.Ordinal) ? 0 : 1).ToList();
        info.Encryptions.Clear();
        foreach (var (name, cipher) in ciphers) info.Encryptions.Add(name, cipher);
    }

    private string Describe(SshTarget node, Exception e) => e switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => $"connection refused by {node.Host}:{node.Port} (is sshd running?)",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain } => $"host name {node.Host} not found",
        SocketException s => $"cannot connect to {node.Host}:{node.Port}: {s.Message}",
        SshAuthenticationException => $"authentication failed for user '{node.User}' with {KeysFor(node).Description}",
        SshAgentException agent => $"authentication failed for user '{node.User}': {agent.Message}",
        SshOperationTimeoutException or OperationCanceledException => $"no SSH session with {node.Host}:{node.Port} within {Durations.Show(_ssh.ConnectTimeout)} (connect-timeout)",
        SshConnectionException c => $"SSH connection to {node.Host}:{node.Port} failed: {c.Message}",
        _ => $"cannot connect to {node.Host}:{node.Port}: {e.Message}",
    };

    private ClientKeys KeysFor(SshTarget target) => target.IsBastion ? _bastionKeys : _keys;

    public void Dispose()
    {
        _bastions.Dispose();
        if (_bastionKeys != _keys) _bastionKeys.Dispose();
        _keys.Dispose();
    }
}
