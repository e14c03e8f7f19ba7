using ImageSync.Actors;

namespace ImageSync.Daemon;

/// <summary>
/// The daemon's current settings and transport. A reload (SIGHUP) swaps them whole; the coordinator reads
/// them when a sync starts, so a reload takes effect between syncs, never in the middle of one.
/// </summary>
public sealed class ReloadableSetup(SyncSetup initial)
{
    private SyncSetup _current = initial;

    public SyncSetup Current => Volatile.Read(ref _current);

    public void Replace(SyncSetup setup) => Volatile.Write(ref _current, setup);
}
