namespace ImageSync.Locking;

/// <summary>Whether a sync may start now, as far as other processes are concerned.</summary>
public interface IRunGate
{
    /// <returns>A handle held for the sync, or null when another process holds the lock.</returns>
    /// <exception cref="IOException">The lock file cannot be created or opened.</exception>
    IDisposable? TryEnter(string lockFile);
}

/// <summary>The bash tool's lock: an exclusive flock on the lock file for the length of each sync.</summary>
public sealed class FileLockGate : IRunGate
{
    public static readonly FileLockGate Instance = new();

    private FileLockGate()
    {
    }

    public IDisposable? TryEnter(string lockFile) => RunLock.TryAcquire(lockFile);
}

/// <summary>
/// A gate for one run whose lock was taken before anything else (the CLI's <c>run</c> takes it first, so a
/// run that finds it held exits 1 at once, before the actor system starts). It lets exactly one sync in.
/// </summary>
public sealed class HeldLockGate(IDisposable held) : IRunGate
{
    private IDisposable? _held = held;

    public IDisposable? TryEnter(string lockFile) => Interlocked.Exchange(ref _held, null);
}
