using System.Text.Json;
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

    /// <summary>Run a command on the node's session (a copy, which names its source, is <see cref="Copy"/>).</summary>
    public sealed record Run(NodeName Node, long Id, NodeCommand Command) : Call(Node, Id);

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

    /// <summary>What a <see cref="NodeEntityCommands.Run"/>'s command answered, as JSON read back as the type the command answers.</summary>
    public sealed record Ran(long Id, JsonElement Answer) : Answer(Id);

    public sealed record Copied(long Id, CopyExit Exit) : Answer(Id);

    /// <summary>The call failed; <paramref name="Kind"/> is the exception's own, so the caller throws what the node's replica caught.</summary>
    public sealed record Failed(long Id, NodeFailure Kind, string Reason) : Answer(Id);
}
