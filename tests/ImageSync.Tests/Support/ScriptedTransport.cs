using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Support;

/// <summary>Nodes for actor specs: each one answers with a <see cref="ScriptedSession"/>, refuses, or never answers.</summary>
public sealed class ScriptedTransport : INodeTransport
{
    private readonly Dictionary<NodeName, ScriptedSession> _sessions = [];
    private readonly Dictionary<NodeName, string> _refusals = [];
    private readonly HashSet<NodeName> _hanging = [];
    private readonly Dictionary<NodeName, int> _crashes = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<NodeSpec> _asked = new();
    private readonly SemaphoreSlim _connectGate = new(0);
    private volatile bool _holdConnects;
    private int _connectAttempts;
    private int _connectsInFlight;
    private int _mostConnectsInFlight;

    public PullRecorder Fleet { get; } = new();

    /// <summary>A reachable node holding the given images (names under registry.example.com/team/).</summary>
    public ScriptedSession Node(string name, params string[] images)
    {
        var session = new ScriptedSession(NodeName.Parse(name), Fleet)
        {
            Inventory = images.Select(TestData.Image).ToList(),
        };
        _sessions[session.Node] = session;
        return session;
    }

    public void Refusing(string name, string reason) => _refusals[NodeName.Parse(name)] = reason;

    public void Hanging(string name) => _hanging.Add(NodeName.Parse(name));

    /// <summary>The first <paramref name="times"/> connects to the node throw from the caller's own call, as a bug would.</summary>
    public void Crashing(string name, int times) => _crashes[NodeName.Parse(name)] = times;

    public int ConnectAttempts => Volatile.Read(ref _connectAttempts);

    /// <summary>Where each connect was asked to go, in order.</summary>
    public IReadOnlyList<NodeSpec> Asked => [.. _asked];

    public int ConnectsInFlight => Volatile.Read(ref _connectsInFlight);

    public int MostConnectsInFlight => Volatile.Read(ref _mostConnectsInFlight);

    /// <summary>From now on a connect waits until <see cref="LetConnect"/> lets it through.</summary>
    public void HoldConnects() => _holdConnects = true;

    public void LetConnect(int count) => _connectGate.Release(count);

    public Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connectAttempts);
        _asked.Enqueue(node);
        lock (_crashes)
        {
            if (_crashes.GetValueOrDefault(node.Name) > 0)
            {
                _crashes[node.Name]--;
                throw new InvalidOperationException($"bug while connecting to {node.Name}");
            }
        }
        return ConnectCoreAsync(node, cancellationToken);
    }

    private async Task<INodeSession> ConnectCoreAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        var inFlight = Interlocked.Increment(ref _connectsInFlight);
        InterlockedMax(ref _mostConnectsInFlight, inFlight);
        try
        {
            await HandshakeAsync(node, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _connectsInFlight);
        }
        return _sessions[node.Name];
    }

    private async Task HandshakeAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        if (_holdConnects) await _connectGate.WaitAsync(cancellationToken);
        if (_refusals.TryGetValue(node.Name, out var reason)) throw new NodeException(node.Name, reason);
        if (_hanging.Contains(node.Name)) await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
