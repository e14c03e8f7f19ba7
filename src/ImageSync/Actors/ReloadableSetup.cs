namespace ImageSync.Actors;

/// <summary>
/// The current settings and transport. A reload (SIGHUP) swaps them whole; a sync takes the setup current
/// when it starts and holds it to its end, so a reload takes effect between syncs, never in the middle of
/// one. A replaced transport is disposed once no sync uses it any more, and the last one on dispose.
/// </summary>
public sealed class ReloadableSetup(SyncSetup initial) : IDisposable
{
    private readonly object _gate = new();
    private Holders _current = new(initial);

    public SyncSetup Current
    {
        get
        {
            lock (_gate) return _current.Setup;
        }
    }

    /// <summary>The current setup, held until the returned handle is disposed.</summary>
    public IDisposable Hold(out SyncSetup setup)
    {
        lock (_gate)
        {
            var held = _current;
            held.Count++;
            setup = held.Setup;
            return new Release(this, held);
        }
    }

    public void Replace(SyncSetup next)
    {
        lock (_gate)
        {
            Retire(_current);
            _current = new Holders(next);
        }
    }

    public void Dispose()
    {
        lock (_gate) Retire(_current);
    }

    private void Retire(Holders holders)
    {
        holders.Retired = true;
        if (holders.Count == 0) holders.DisposeTransport();
    }

    private void Let(Holders holders)
    {
        lock (_gate)
        {
            if (--holders.Count == 0 && holders.Retired) holders.DisposeTransport();
        }
    }

    private sealed class Holders(SyncSetup setup)
    {
        private bool _disposed;

        public SyncSetup Setup { get; } = setup;

        public int Count { get; set; }

        public bool Retired { get; set; }

        public void DisposeTransport()
        {
            if (_disposed) return;
            _disposed = true;
            (Setup.Transport as IDisposable)?.Dispose();
        }
    }

    private sealed class Release(ReloadableSetup owner, Holders holders) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Let(holders);
        }
    }
}
