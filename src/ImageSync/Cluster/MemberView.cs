using Akka.Actor;
using Akka.Cluster;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ImageSync.Cluster;

/// <summary>
/// The cluster's members as a replica counts them: Up, or weakly up (not yet seen by all: such a member syncs and
/// confirms like an Up one, and is not joined again); and, for another replica to sync beside, reachable too.
/// </summary>
internal sealed class MemberView(AkkaCluster cluster)
{
    public bool SelfIsUp => IsUp(cluster.SelfMember);

    public IEnumerable<Address> Up() => cluster.State.Members.Where(IsUp).Select(m => m.Address);

    /// <summary>The members another replica may join: this replica's cluster, once it is in one.</summary>
    public IEnumerable<Address> Joinable() => SelfIsUp ? Up() : [];

    /// <summary>Whether this replica counts <paramref name="address"/> as a member another may sync beside: Up and reachable.</summary>
    public bool Sees(Address address) => SelfIsUp && Up().Contains(address) && !cluster.State.Unreachable.Any(m => m.Address.Equals(address));

    private static bool IsUp(Member member) => member.Status is MemberStatus.Up or MemberStatus.WeaklyUp;
}
