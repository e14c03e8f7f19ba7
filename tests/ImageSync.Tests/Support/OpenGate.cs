using ImageSync.Locking;

namespace ImageSync.Tests.Support;

/// <summary>A gate that always lets a sync in, and counts who is inside, for specs that are not about the lock file.</summary>
public sealed class OpenGate : IRunGate
{
    private int _inside;
    private int _entered;

    public int Inside => Volatile.Read(ref _inside);

    /// <summary>How many syncs have taken the lock so far.</summary>
    public int Entered => Volatile.Read(ref _entered);

    public IDisposable? TryEnter(string lockFile)
    {
        Interlocked.Increment(ref _entered);
        Interlocked.Increment(ref _inside);
        return new Leave(this);
    }

    private sealed class Leave(OpenGate gate) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) Interlocked.Decrement(ref gate._inside);
        }
    }
}
