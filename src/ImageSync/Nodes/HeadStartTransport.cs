using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// Gives the first nodes' connects a head start: a cron run starts their handshakes as soon as it holds the
/// lock, while its actor system is still starting, and the run's node actors take those connects over
/// instead of starting their own. Any transport can be wrapped; connects nobody took over are cancelled,
/// and their sessions closed, on dispose.
/// </summary>
public sealed class HeadStartTransport(INodeTransport inner) : INodeTransport, IDisposable
{
    private readonly Dictionary<NodeName, (Task<INodeSession> Connect, CancellationTokenSource Cancel)> _started = [];

    public void Start(IEnumerable<NodeSpec> nodes)
    {
        lock (_started)
        {
            foreach (var node in nodes.Where(n => !_started.ContainsKey(n.Name)))
            {
                var cancel = new CancellationTokenSource();
                _started[node.Name] = (inner.ConnectAsync(node, cancel.Token), cancel);
            }
        }
    }

    public Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        (Task<INodeSession> Connect, CancellationTokenSource Cancel) started;
        lock (_started)
        {
            if (!_started.Remove(node.Name, out started)) return inner.ConnectAsync(node, cancellationToken);
        }
        return TakeOverAsync(started.Connect, started.Cancel, cancellationToken);
    }

    private static async Task<INodeSession> TakeOverAsync(Task<INodeSession> connect, CancellationTokenSource cancel, CancellationToken cancellationToken)
    {
        using (cancel)
        await using (cancellationToken.Register(cancel.Cancel))
        {
            return await connect.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_started)
        {
            foreach (var (connect, cancel) in _started.Values)
            {
                cancel.Cancel();
                _ = connect.ContinueWith(done => done.Result.DisposeAsync(), TaskContinuationOptions.OnlyOnRanToCompletion);
            }
            _started.Clear();
        }
        (inner as IDisposable)?.Dispose();
    }
}
