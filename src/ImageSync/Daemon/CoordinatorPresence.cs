using Akka.Actor;

namespace ImageSync.Daemon;

/// <summary>
/// Whether this process runs the coordinator right now (in a cluster, whether the singleton lives here),
/// and its reference, so the daemon can let a running sync stop gracefully before it leaves.
/// </summary>
public sealed class CoordinatorPresence
{
    private IActorRef? _local;
    private long _arrivedAt;

    public IActorRef? Local => Volatile.Read(ref _local);

    public bool IsHere => Local is not null;

    /// <summary>On the monotonic clock, how long the coordinator has run here; null while it runs elsewhere.</summary>
    public TimeSpan? HereFor => IsHere ? System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _arrivedAt)) : null;

    public void Arrived(IActorRef coordinator)
    {
        Interlocked.Exchange(ref _arrivedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        Volatile.Write(ref _local, coordinator);
    }

    public void Left(IActorRef coordinator) => Interlocked.CompareExchange(ref _local, null, coordinator);
}
