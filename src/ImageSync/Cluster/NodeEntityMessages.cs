using Akka.Actor;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Cluster;

/// <summary>
/// What a node's <see cref="NodeEntity"/> is asked to do on the replica that owns it. Each call is one
/// <see cref="INodeSession"/> operation; <see cref="Call"/> names it for its answer and its cancel.
/// </summary>
public static class NodeEntityCommands
{
    /// <summary>A message for one node's entity: sharding routes it by the node's name.</summary>
    public interface INodeMessage
    {
        NodeName Node { get; }
    }

    public abstract record Call(NodeName Node, long Id) : INodeMessage;

    /// <summary>
    /// Connect to the node (or take the connection kept from the last sync), reached as the entity's own replica's
    /// configuration says: the message names the node, never where it is.
    /// </summary>
    /// <param name="Digest">The coordinator's <see cref="NodeDigests"/> of the node: a replica whose config reaches it otherwise refuses.</param>
    /// <param name="Holder">Whose session it is: when the holder is gone (its replica lost), the entity closes the session.</param>
    /// <param name="Sync">Which sync opens it: the first open of a sync on a replica lets its transport try again a bastion found down before.</param>
    public sealed record Open(NodeName Node, long Id, string Digest, IActorRef Holder, long Sync) : Call(Node, Id);

    public sealed record Check(NodeName Node, long Id) : Call(Node, Id);

    public sealed record ReadImageFs(NodeName Node, long Id, string Path) : Call(Node, Id);

    public sealed record ListImages(NodeName Node, long Id) : Call(Node, Id);

    public sealed record Pull(NodeName Node, long Id, ImageRef Image, TimeSpan Timeout) : Call(Node, Id);

    /// <summary>Pin the image on the node (<paramref name="Pin"/>), or take the pin off.</summary>
    public sealed record SetPin(NodeName Node, long Id, ImageRef Image, bool Pin) : Call(Node, Id);

    /// <summary>
    /// Copy an image onto this node from the node <paramref name="Source"/>, over a connection of this replica's own to
    /// it, reached as this replica's configuration says (<paramref name="SourceDigest"/> as for <see cref="Open"/>).
    /// </summary>
    public sealed record Copy(NodeName Node, long Id, ImageRef Image, NodeName Source, string SourceDigest, CopyLimits Limits) : Call(Node, Id);

    /// <summary>The caller gave up on a call (its watchdog, a stop): its remote command is cancelled.</summary>
    public sealed record Cancel(NodeName Node, long Id) : INodeMessage;

    /// <summary>The session opened by call <paramref name="Opened"/> is no longer used.</summary>
    public sealed record Close(NodeName Node, long Opened) : INodeMessage;
}

/// <summary>A <see cref="NodeEntity"/>'s answers, one per call.</summary>
public static class NodeEntityEvents
{
    public abstract record Answer(long Id);

    /// <param name="Entity">Where the session's calls go; its termination means the session is gone with it.</param>
    public sealed record Opened(long Id, bool Reused, IActorRef Entity) : Answer(Id);

    public sealed record Checked(long Id, NodeFacts Facts) : Answer(Id);

    public sealed record ImageFsRead(long Id, ImageFilesystem ImageFs) : Answer(Id);

    public sealed record Listed(long Id, NodeInventory Inventory) : Answer(Id);

    public sealed record Pulled(long Id, PullExit Exit) : Answer(Id);

    public sealed record PinSet(long Id, PinAnswer Answer) : Answer(Id);

    public sealed record Copied(long Id, CopyExit Exit) : Answer(Id);

    /// <summary>The call failed on the node; <paramref name="Kind"/> keeps which exception it was, so the stage of a refusal is not lost.</summary>
    public sealed record Failed(long Id, NodeFailure Kind, string Reason) : Answer(Id);

    public enum NodeFailure
    {
        Node,
        /// <summary>The entity would not run the call: a sender outside the cluster, or a node its replica does not know as named.</summary>
        Refused,
        HostKey,
        Authentication,
        MalformedInventory,
    }
}
