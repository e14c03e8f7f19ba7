namespace ImageSync.Cluster;

/// <summary>The calls an entity is running on its node, each cancellable by its id (the caller gave up, or the session closed).</summary>
internal sealed class RunningCalls
{
    private readonly Dictionary<long, CancellationTokenSource> _calls = [];

    public CancellationToken Start(long id)
    {
        var cancel = new CancellationTokenSource();
        _calls[id] = cancel;
        return cancel.Token;
    }

    /// <summary>The call is over, or cancelled when <paramref name="cancel"/>; an id already ended is ignored.</summary>
    public void End(long id, bool cancel = false)
    {
        if (!_calls.Remove(id, out var running)) return;
        if (cancel) running.Cancel();
        running.Dispose();
    }

    public void CancelAll()
    {
        foreach (var id in _calls.Keys.ToList()) End(id, cancel: true);
    }
}
