using Akka.Actor;
using static ImageSync.Cluster.NodeEntityCommands;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ImageSync.Cluster;

/// <summary>
/// Only a replica of this cluster has a node's session used. A message is an outsider's when the peer it came off
/// the cluster port from is not a member (by the association it arrived on), when the sender it names is on a peer
/// that is not, or when a call names no sender to answer. A peer with a certificate of the CA could still name a
/// member as its sender: the entity then runs only what it would for that member, on nodes of its own replica's config.
/// </summary>
internal sealed class Outsiders(AkkaCluster cluster)
{
    private const string NotMember = "the sender is not a member of this cluster";

    /// <returns>Who sent a message that is not a replica's to send, and why it is not; null when it is.</returns>
    public (string From, string Why)? Of(INodeMessage message, IActorRef sender)
    {
        if (InboundOrigins.Of(message) is { } peer && !IsMember(peer)) return (peer.ToString(), NotMember);
        if (sender.IsNobody()) return message is Call ? ("no sender", "the call names no sender to answer") : null;
        return sender.Path.Address.HasLocalScope || IsMember(sender.Path.Address) ? null : (sender.Path.Address.ToString(), NotMember);
    }

    private bool IsMember(Address address) => cluster.State.Members.Any(m => m.Address.Equals(address));
}
