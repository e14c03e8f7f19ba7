using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Support;

/// <summary>
/// The fleet's own record of concurrency: how many sessions were ever open on one node at once. Every sync
/// holds one session per node from its start to its end, so two syncs that overlap leave a 2 here.
/// </summary>
public sealed class SessionCountingTransport(INodeTransport inner) : INodeTransport
{
    private readonly object _gate = new();
    private readonly Dictionary<NodeName, int> _open = [];
    private readonly HashSet<NodeName> _opened = [];
    private int _mostOpenOnOneNode;

    public int MostOpenOnOneNode
    {
        get
        {
            lock (_gate) return _mostOpenOnOneNode;
        }
    }

    /// <summary>Every node this transport opened a session to since it was made or last <see cref="Forget"/>.</summary>
    public IReadOnlySet<NodeName> NodesOpened
    {
        get
        {
            lock (_gate) return _opened.ToHashSet();
        }
    }

    public void Forget()
    {
        lock (_gate) _opened.Clear();
    }

    public async Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        var session = await inner.ConnectAsync(node, cancellationToken);
        lock (_gate)
        {
            _opened.Add(node.Name);
            var open = _open[node.Name] = _open.GetValueOrDefault(node.Name) + 1;
            _mostOpenOnOneNode = Math.Max(_mostOpenOnOneNode, open);
        }
        return new CountedSession(session, this);
    }

    private void Closed(NodeName node)
    {
        lock (_gate) _open[node]--;
    }

    private sealed class CountedSession(INodeSession inner, SessionCountingTransport owner) : INodeSession
    {
        private int _closed;

        public NodeName Node => inner.Node;

        public Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken) =>
            inner.RunAsync(command.WithSessions(session => session is CountedSession counted ? counted.Inner : session), cancellationToken);

        private INodeSession Inner => inner;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) owner.Closed(Node);
            return inner.DisposeAsync();
        }
    }
}
