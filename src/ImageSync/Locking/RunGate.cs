namespace ImageSync.Locking;

/// <summary>The one place that words why a run may not start as far as the lock file is concerned: the coordinator and the CLI's <c>run</c> both ask it.</summary>
public static class RunGate
{
    /// <summary>Takes the lock file through the gate.</summary>
    /// <returns>Why not, or null with the lock held in <paramref name="locked"/>.</returns>
    public static SyncEvents.SyncRefused? TryLock(IRunGate gate, string lockFile, out IDisposable? locked)
    {
        locked = null;
        try
        {
            locked = gate.TryEnter(lockFile);
        }
        catch (IOException e)
        {
            return new SyncEvents.SyncRefused($"cannot open the lock file {lockFile}: {e.Message.TrimEnd('.')} (lock-file, IMAGE_SYNC_LOCK_FILE)",
                SyncEvents.RefusalKind.LockUnavailable);
        }
        return locked is null ? new SyncEvents.SyncRefused($"another image-sync run holds the lock {lockFile}", SyncEvents.RefusalKind.LockHeld) : null;
    }
}
