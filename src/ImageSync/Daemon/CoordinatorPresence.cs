using Akka.Actor;

namespace ImageSync.Daemon;

/// <summary>
/// Whether this process runs the coordinator right now (in a cluster, whether the singleton lives here),
/// and its reference, so the daemon can let a running sync stop gracefully before it leaves.
/// </summary>
public sealed class CoordinatorPresence
{
    private IActorRef? _local;

    public IActorRef? Local => Volatile.Read(ref _local);

    public bool IsHere => Local is not null;

    public void Arrived(IActorRef coordinator) => Volatile.Write(ref _local, coordinator);

    public void Left(IActorRef coordinator) => Interlocked.CompareExchange(ref _local, null, coordinator);
}
