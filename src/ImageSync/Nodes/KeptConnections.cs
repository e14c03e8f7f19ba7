using System.Text.Json;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// A daemon's connections kept open from one sync to the next (<c>ssh.keep-connections</c>), so that a steady
/// sync makes no handshake. A sync leases a node's connection (<see cref="KeptSession"/>) and gives it back
/// when its node actor ends; one that broke while leased is closed instead. Between syncs at most
/// <c>ssh.max-open-connections</c> stay open, the least recently used closed first. A connection is only
/// lent again for the same node, address and login under the same settings (<see cref="SettingsOf"/>).
/// Outlives the transports it serves: a reload builds a new one and keeps what still fits (<see cref="Retain"/>).
/// </summary>
public sealed class KeptConnections(int maxOpen) : IDisposable
{
    private readonly object _gate = new();
    // Least recently used first.
    private readonly LinkedList<(Key Key, INodeSession Session)> _idle = new();
    private int _maxOpen = maxOpen;
    private int _leased;
    private bool _disposed;
    // Which connections the latest settings still use.
    private Func<Key, bool> _retained = _ => true;

    /// <summary>Connections open now: idle between syncs and leased to a sync.</summary>
    public int Open
    {
        get
        {
            lock (_gate) return _idle.Count + _leased;
        }
    }

    /// <summary>
    /// What a connection carries over from the settings it was opened with: those of SSH and of the commands its
    /// session runs. Two setups with the same text here may share connections.
    /// </summary>
    public static string SettingsOf(ImageSyncSettings settings) => JsonSerializer.Serialize(new
    {
        settings.Transport,
        // How many connect at once and how many are kept say nothing about one connection.
        Ssh = settings.Ssh with { MaxConnecting = 0, KeepConnections = true, MaxOpenConnections = 0 },
        settings.Pull.KillAfter,
        settings.Transfer,
        settings.Images.Limits,
    });

    /// <summary>The transport a daemon syncs with: <paramref name="inner"/>, through these kept connections when the settings ask for it.</summary>
    public INodeTransport Serving(INodeTransport inner, ImageSyncSettings settings) =>
        settings.Ssh.KeepConnections && settings.Transport == TransportKind.Ssh ? new Transport(this, inner, SettingsOf(settings)) : inner;

    /// <summary>
    /// After a reload: closes the idle connections the new settings no longer use (other SSH settings, or a node
    /// no longer listed); one leased to a running sync is closed when it comes back.
    /// </summary>
    public void Retain(ImageSyncSettings settings)
    {
        var kept = settings.Ssh.KeepConnections && settings.Transport == TransportKind.Ssh;
        var current = SettingsOf(settings);
        // Nodes a Kubernetes API lists are known only at a sync; until then their connections stay.
        var listed = settings.NodesFromKubernetes.Enabled ? null : settings.Nodes.ToHashSet();
        Close(() =>
        {
            _maxOpen = settings.Ssh.MaxOpenConnections;
            _retained = key => kept && key.Settings == current && (listed is null || listed.Contains(key.Node));
            return TakeIdle(entry => !_retained(entry.Key)).Concat(TakeOverBound()).ToList();
        });
    }

    internal INodeSession? Take(Key key)
    {
        lock (_gate)
        {
            var entry = FindIdle(key);
            if (entry is null) return null;
            _idle.Remove(entry);
            _leased++;
            return entry.Value.Session;
        }
    }

    internal void Lent()
    {
        lock (_gate) _leased++;
    }

    /// <summary>A lease ended: a sound connection is kept (as the most recently used), a broken one closed.</summary>
    internal void GiveBack(Key key, INodeSession session, bool broken) => Close(() =>
    {
        _leased--;
        if (broken || _disposed || !_retained(key)) return [session];
        var closing = new List<INodeSession>();
        if (FindIdle(key) is { } older)
        {
            _idle.Remove(older);
            closing.Add(older.Value.Session);
        }
        _idle.AddLast((key, session));
        closing.AddRange(TakeOverBound());
        return closing;
    });

    private LinkedListNode<(Key Key, INodeSession Session)>? FindIdle(Key key)
    {
        for (var entry = _idle.First; entry is not null; entry = entry.Next)
        {
            if (entry.Value.Key == key) return entry;
        }
        return null;
    }

    private IEnumerable<INodeSession> TakeIdle(Func<(Key Key, INodeSession Session), bool> which)
    {
        var taken = _idle.Where(which).ToList();
        foreach (var entry in taken) _idle.Remove(entry);
        return taken.Select(e => e.Session);
    }

    private List<INodeSession> TakeOverBound()
    {
        var closing = new List<INodeSession>();
        while (_idle.Count > 0 && _idle.Count + _leased > _maxOpen)
        {
            closing.Add(_idle.First!.Value.Session);
            _idle.RemoveFirst();
        }
        return closing;
    }

    /// <summary>Decides under the lock what to close; closes outside it (closing only queues the disconnect).</summary>
    private void Close(Func<List<INodeSession>> decide)
    {
        List<INodeSession> closing;
        lock (_gate) closing = decide();
        foreach (var session in closing) _ = session.DisposeAsync();
    }

    /// <summary>The daemon stops: every idle connection is closed now, every leased one when it comes back.</summary>
    public void Dispose() => Close(() =>
    {
        _disposed = true;
        return TakeIdle(_ => true).ToList();
    });

    internal sealed record Key(string Settings, NodeSpec Node);

    private sealed class Transport(KeptConnections pool, INodeTransport inner, string settings) : INodeTransport, IDisposable
    {
        public async Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
        {
            var key = new Key(settings, node);
            if (pool.Take(key) is { } kept) return new KeptSession(pool, key, kept, reused: true);
            var fresh = await inner.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            pool.Lent();
            return new KeptSession(pool, key, fresh, reused: false);
        }

        public void SyncStarting() => inner.SyncStarting();

        /// <summary>The key and known_hosts go; the connections stay with the pool.</summary>
        public void Dispose() => (inner as IDisposable)?.Dispose();
    }
}
