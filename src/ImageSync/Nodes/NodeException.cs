using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// A node could not be used or did not answer as expected. <see cref="Exception.Message"/> is written for
/// operators: it names the node and what went wrong, and never holds a secret.
/// </summary>
public class NodeException(NodeName node, string reason, Exception? inner = null, NodeFailure kind = NodeFailure.Node)
    : Exception($"{node}: {reason}", inner)
{
    public NodeName Node { get; } = node;

    /// <summary>Who failed: the node or its link (the default), or the step that refused us. It travels between replicas as it is.</summary>
    public NodeFailure Kind { get; } = kind;

    /// <summary>The exception for a failure of <paramref name="kind"/> told elsewhere (another replica, a connect step).</summary>
    public static NodeException Of(NodeName node, NodeFailure kind, string reason) => kind switch
    {
        NodeFailure.HostKey => new HostKeyRejectedException(node, reason),
        NodeFailure.Authentication => new AuthenticationFailedException(node, reason),
        _ => new NodeException(node, reason, kind: kind),
    };

    /// <summary>What went wrong, without the node name.</summary>
    public string Reason { get; } = reason;

    /// <summary>The reason to report for any failure of a node operation, unwrapping what async plumbing added.</summary>
    public static string ReasonOf(Exception error) => ExceptionChain.Unwrap(error) switch
    {
        NodeException node => node.Reason,
        var other => $"{other.GetType().Name}: {other.Message}",
    };
}

/// <summary><c>crictl images -o json</c> printed something that is not the document crictl prints.</summary>
public sealed class MalformedInventoryException(NodeName node, string detail)
    : NodeException(node, $"malformed crictl images output: {detail}", kind: NodeFailure.MalformedInventory);

/// <summary>The node's host key is unknown, changed or revoked: nothing was sent to it.</summary>
public sealed class HostKeyRejectedException(NodeName node, string reason) : NodeException(node, reason, kind: NodeFailure.HostKey);

/// <summary>The node did not accept our key.</summary>
public sealed class AuthenticationFailedException(NodeName node, string reason) : NodeException(node, reason, kind: NodeFailure.Authentication);

/// <summary>Who failed a node operation, one vocabulary from the SSH handshake to the run's report and across replicas.</summary>
public enum NodeFailure
{
    /// <summary>The node or the link to it: it did not answer, or not as expected.</summary>
    Node,
    /// <summary>A node's entity would not run the call: a sender outside the cluster, or a node its replica does not know as named.</summary>
    Refused,
    /// <summary>The node's host key or certificate was not trusted: nothing was sent to it.</summary>
    HostKey,
    /// <summary>The node did not take our key.</summary>
    Authentication,
    /// <summary><c>crictl images -o json</c> printed something that is not crictl's document.</summary>
    MalformedInventory,
    /// <summary>
    /// In a cluster, the replica that held the node's session was lost (or the node's shard moved) during the call: what
    /// the call started may still run there. Told only on the coordinator's replica, never between replicas.
    /// </summary>
    ReplicaLost,
}
