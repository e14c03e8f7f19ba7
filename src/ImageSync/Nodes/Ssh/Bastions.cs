using System.Net;
using ImageSync.Domain;
using Renci.SshNet;

namespace ImageSync.Nodes.Ssh;

/// <summary>
/// The bastions (<c>ssh.jump</c>) nodes are reached through: one SSH connection per chain of bastions, shared by
/// every node behind it, opened by the first node's connect and closed when the last node connection through it
/// closes (at the end of a run; in a daemon, when its kept connections go). A bastion that cannot be connected to
/// is tried once: every node behind it fails with that one reason until the next sync (<see cref="ForgetFailures"/>).
/// </summary>
/// <remarks>
/// SSH.NET has no ProxyJump and takes no stream of ours for a connection (its socket factory is internal), so a
/// node's connection goes through a <see cref="ForwardedPortLocal"/> of the bastion's: a listener on 127.0.0.1 at a
/// port the system picks, each connection to it carried to the node as a direct-tcpip channel of the bastion's
/// connection. The node's host key is still checked against the node's own name. Another local process could
/// connect to that port while the node's connection is open; it would reach only the node's sshd, which still
/// wants a key. sshd's MaxSessions does not count these channels (only shells, commands and subsystems).
/// </remarks>
internal sealed class Bastions(Bastions.Connect connect, BlockingCallThreads threads) : IDisposable
{
    /// <summary>Opens an SSH connection to <paramref name="target"/>, at <paramref name="entrance"/> when it is reached through a tunnel.</summary>
    /// <exception cref="SshConnectFailure">The connection was not made.</exception>
    public delegate Task<SshClient> Connect(SshTarget target, IPEndPoint? entrance, CancellationToken cancellationToken);

    private readonly object _gate = new();
    private readonly Dictionary<JumpChain, Bastion> _bastions = [];
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>A tunnel through the node's bastions to the node's SSH port.</summary>
    /// <exception cref="NodeException">A bastion of the chain cannot be used; the reason names it.</exception>
    public async Task<Tunnel> OpenTunnelAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenAsync(node.Jump, node.Host, node.Port, cancellationToken).ConfigureAwait(false);
        }
        catch (BastionDownException down)
        {
            throw new NodeException(node.Name, down.Message);
        }
    }

    /// <summary>A sync starts: the bastions found down are tried again.</summary>
    public void ForgetFailures()
    {
        lock (_gate)
        {
            foreach (var (chain, _) in _bastions.Where(b => b.Value.Failed).ToList()) _bastions.Remove(chain);
        }
    }

    private async Task<Tunnel> OpenAsync(JumpChain chain, string host, int port, CancellationToken cancellationToken)
    {
        var bastion = Lease(chain);
        try
        {
            var client = await bastion.Connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Tunnel(this, bastion, client, host, port);
        }
        catch
        {
            Release(bastion);
            throw;
        }
    }

    private Bastion Lease(JumpChain chain)
    {
        lock (_gate)
        {
            if (_bastions.TryGetValue(chain, out var known) && !known.Lost)
            {
                known.Leases++;
                return known;
            }
            // A connection that died is left to the tunnels still through it; new ones get a fresh one.
            var fresh = new Bastion(chain);
            fresh.Connecting = Task.Run(() => ConnectAsync(fresh));
            _bastions[chain] = fresh;
            return fresh;
        }
    }

    private async Task<SshClient> ConnectAsync(Bastion bastion)
    {
        var hop = bastion.Chain.Hops[^1];
        var before = bastion.Chain.WithoutLast();
        var through = before.IsDirect ? null : await OpenAsync(before, hop.Host, hop.Port, _disposed.Token).ConfigureAwait(false);
        try
        {
            var client = await connect(SshTarget.Of(hop), through?.Entrance, _disposed.Token).ConfigureAwait(false);
            bastion.Through = through;
            return client;
        }
        catch (SshConnectFailure failure)
        {
            through?.Dispose();
            throw new BastionDownException(through is null ? $"via bastion {hop}: {failure.Message}" : through.Unreached(failure.Message));
        }
        catch
        {
            through?.Dispose();
            throw;
        }
    }

    private void Release(Bastion bastion)
    {
        lock (_gate)
        {
            if (--bastion.Leases > 0 || bastion.Failed) return;
            if (_bastions.TryGetValue(bastion.Chain, out var current) && current == bastion) _bastions.Remove(bastion.Chain);
        }
        // Disconnecting waits for the server's goodbye: never on the caller's thread.
        _ = bastion.Connecting.ContinueWith(connected => threads.Forget(() =>
        {
            connected.Result.Dispose();
            bastion.Through?.Dispose();
        }), TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    /// <summary>Connects still under way give up; open connections close with the last node connection through them.</summary>
    public void Dispose() => _disposed.Cancel();

    internal sealed class Bastion(JumpChain chain)
    {
        public JumpChain Chain { get; } = chain;

        public Task<SshClient> Connecting { get; set; } = null!;

        /// <summary>Tunnels through this connection, and connects waiting for it.</summary>
        public int Leases { get; set; } = 1;

        /// <summary>The tunnel through the bastions before this one, for a chain.</summary>
        public Tunnel? Through { get; set; }

        public bool Failed => Connecting.IsFaulted || Connecting.IsCanceled;

        public bool Lost => Connecting.IsCompletedSuccessfully && !Connecting.Result.IsConnected;
    }

    /// <summary>A bastion cannot be used; the message names it.</summary>
    private sealed class BastionDownException(string reason) : Exception(reason);

    /// <summary>A node's way through its last bastion: a local port whose connections that bastion carries to the node.</summary>
    internal sealed class Tunnel : IDisposable
    {
        private readonly Bastions _owner;
        private readonly Bastion _bastion;
        private readonly SshClient _client;
        private readonly ForwardedPortLocal _port;
        private readonly string _unreached;
        private string? _channelFailure;
        private int _disposed;

        internal Tunnel(Bastions owner, Bastion bastion, SshClient client, string host, int port)
        {
            (_owner, _bastion, _client) = (owner, bastion, client);
            _port = new ForwardedPortLocal(IPAddress.Loopback.ToString(), host, (uint)port);
            _unreached = $"bastion {bastion.Chain.Hops[^1]} cannot reach {host}:{port}";
            _port.Exception += (_, e) => _channelFailure ??= e.Exception.Message;
            try
            {
                client.AddForwardedPort(_port);
                _port.Start();
            }
            catch (Exception e)
            {
                _port.Dispose();
                throw new BastionDownException($"via bastion {bastion.Chain.Hops[^1]}: cannot forward to {host}:{port}: {e.Message}");
            }
            Entrance = new IPEndPoint(IPAddress.Loopback, (int)_port.BoundPort);
        }

        public IPEndPoint Entrance { get; }

        /// <summary>
        /// Why a connection through the tunnel failed, naming the bastion: its reason for not opening the channel
        /// when it gave one before the connection saw its end of the tunnel close, else what the connection saw.
        /// </summary>
        public string Unreached(string seen) => $"{_unreached}: {_channelFailure ?? seen}";

        /// <summary>Call once the connection through the tunnel is closed: stopping waits for its channel.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            _client.RemoveForwardedPort(_port);
            _port.Dispose();
            _owner.Release(_bastion);
        }
    }
}
