using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// A sync's lease of a kept connection (<see cref="KeptConnections"/>). Disposing it gives the connection back;
/// a call that failed or was cancelled (the connection broke, a watchdog gave up on it) marks the connection
/// broken, and a broken one is closed instead of kept.
/// </summary>
internal sealed class KeptSession(KeptConnections pool, KeptConnections.Key key, INodeSession inner, bool reused) : INodeSession
{
    private readonly object _gate = new();
    private int _inFlight;
    private bool _broken;
    private bool _ended;

    public NodeName Node => inner.Node;

    public bool Reused => reused;

    // A copy rides on both connections: either one failing marks it.
    public Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken) =>
        command is NodeCommand.CopyTo { Target: KeptSession other }
            ? Track(() => other.Track(() => inner.RunAsync(command.WithSessions(Unwrap), cancellationToken)))
            : Track(() => inner.RunAsync(command, cancellationToken));

    private static INodeSession Unwrap(INodeSession session) => session is KeptSession kept ? kept.Inner : session;

    private INodeSession Inner => inner;

    private async Task<T> Track<T>(Func<Task<T>> call)
    {
        lock (_gate)
        {
            // Given back, the connection may already be another sync's.
            if (_ended) throw new ObjectDisposedException($"{Node}'s session", "the sync's lease of this connection ended");
            _inFlight++;
        }
        var succeeded = false;
        try
        {
            var result = await call().ConfigureAwait(false);
            succeeded = true;
            return result;
        }
        finally
        {
            Settle(succeeded);
        }
    }

    private void Settle(bool succeeded)
    {
        lock (_gate)
        {
            _broken |= !succeeded;
            _inFlight--;
        }
    }

    /// <summary>A call still running at the end (a pull a stop abandoned, one on a frozen node) leaves the connection in doubt: it is closed.</summary>
    public ValueTask DisposeAsync()
    {
        bool broken;
        lock (_gate)
        {
            if (_ended) return ValueTask.CompletedTask;
            _ended = true;
            broken = _broken || _inFlight > 0;
        }
        pool.GiveBack(key, inner, broken);
        return ValueTask.CompletedTask;
    }
}
