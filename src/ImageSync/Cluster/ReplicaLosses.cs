using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;

namespace ImageSync.Cluster;

/// <summary>
/// The replicas this one has lost sight of. A call out to a node's entity on such a replica is given up as lost as
/// soon as the replica is unreachable, not only once it is removed: removal comes seconds later, by when a pull's
/// own watchdog could have called it a timeout. Giving up early is safe: the dispatcher runs a lost pull again only
/// once its remote timeout is over, so a replica that comes back never has its pull overlap the new one.
/// </summary>
public sealed class ReplicaLosses : IExtension
{
    private readonly ConcurrentDictionary<Address, TaskCompletionSource> _lost = new();
    private readonly ConcurrentDictionary<Address, TaskCompletionSource> _settling = new();
    private readonly ConcurrentDictionary<Address, bool> _removed = new();

    public static ReplicaLosses For(ActorSystem system) => system.WithExtension<ReplicaLosses, Provider>();

    /// <summary>Completes when the replica at <paramref name="replica"/> is unreachable, downed or removed; at once when it is now.</summary>
    public Task WhenLost(Address replica) => Signal(replica).Task;

    /// <summary>
    /// Completes once a lost replica is removed from the cluster or reachable again; at once when it is not lost.
    /// Until then the cluster still routes its nodes' calls to it, where they vanish: a session reopened on such a
    /// node waits for this first.
    /// </summary>
    public Task WhenSettled(Address replica)
    {
        if (!IsUnsettled(replica)) return Task.CompletedTask;
        var settled = _settling.GetOrAdd(replica, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        // Removed or back while the wait was being set up: no event will come to end it.
        if (!IsUnsettled(replica)) Settle(replica);
        return settled.Task;
    }

    private bool IsUnsettled(Address replica) =>
        !_removed.ContainsKey(replica) && _lost.TryGetValue(replica, out var lost) && lost.Task.IsCompleted;

    private void Settle(Address replica)
    {
        if (_settling.TryRemove(replica, out var settled)) settled.TrySetResult();
    }

    internal void Removed(Address replica)
    {
        Lost(replica);
        _removed[replica] = true;
        Settle(replica);
    }

    private TaskCompletionSource Signal(Address replica) =>
        _lost.GetOrAdd(replica, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    internal void Lost(Address replica) => Signal(replica).TrySetResult();

    /// <summary>Reachable again (or a new incarnation up): later calls wait for a new loss.</summary>
    internal void Back(Address replica)
    {
        // A replica restarted on the same address (a StatefulSet pod) can be lost again like any other.
        _removed.TryRemove(replica, out _);
        if (_lost.TryGetValue(replica, out var signal) && signal.Task.IsCompleted) _lost.TryRemove(KeyValuePair.Create(replica, signal));
        Settle(replica);
    }

    private sealed class Provider : ExtensionIdProvider<ReplicaLosses>
    {
        public override ReplicaLosses CreateExtension(ExtendedActorSystem system)
        {
            var losses = new ReplicaLosses();
            system.SystemActorOf(Props.Create(() => new Watcher(losses)), "replica-losses");
            return losses;
        }
    }

    /// <summary>Feeds the losses from the cluster's events.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(ReplicaLosses losses)
        {
            Receive<ClusterEvent.UnreachableMember>(lost => losses.Lost(lost.Member.Address));
            Receive<ClusterEvent.MemberDowned>(downed => losses.Lost(downed.Member.Address));
            Receive<ClusterEvent.MemberRemoved>(removed => losses.Removed(removed.Member.Address));
            Receive<ClusterEvent.ReachableMember>(back => losses.Back(back.Member.Address));
            Receive<ClusterEvent.MemberUp>(up => losses.Back(up.Member.Address));
            ReceiveAny(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
