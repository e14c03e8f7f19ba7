using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// A node could not be used or did not answer as expected. <see cref="Exception.Message"/> is written for
/// operators: it names the node and what went wrong, and never holds a secret.
/// </summary>
public class NodeException(NodeName node, string reason, Exception? inner = null)
    : Exception($"{node}: {reason}", inner)
{
    public NodeName Node { get; } = node;

    /// <summary>What went wrong, without the node name.</summary>
    public string Reason { get; } = reason;

    /// <summary>The reason to report for any failure of a node operation, unwrapping what async plumbing added.</summary>
    public static string ReasonOf(Exception error) => error switch
    {
        AggregateException { InnerExceptions.Count: 1 } wrapped => ReasonOf(wrapped.InnerExceptions[0]),
        NodeException node => node.Reason,
        _ => $"{error.GetType().Name}: {error.Message}",
    };
}

/// <summary><c>crictl images -o json</c> printed something that is not the document crictl prints.</summary>
public sealed class MalformedInventoryException(NodeName node, string detail)
    : NodeException(node, $"malformed crictl images output: {detail}");

/// <summary>The node's host key is unknown, changed or revoked: nothing was sent to it.</summary>
public sealed class HostKeyRejectedException(NodeName node, string reason) : NodeException(node, reason);

/// <summary>The node did not accept our key.</summary>
public sealed class AuthenticationFailedException(NodeName node, string reason) : NodeException(node, reason);
