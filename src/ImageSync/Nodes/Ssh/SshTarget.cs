using ImageSync.Domain;
using ImageSync.Nodes.Ssh.Trust;

namespace ImageSync.Nodes.Ssh;

/// <summary>Whom an SSH connection is for: a node, or a bastion in front of nodes. <paramref name="Name"/> is how messages name it.</summary>
internal sealed record SshTarget(string Name, string Host, int Port, string User, bool IsBastion)
{
    public static SshTarget Of(NodeSpec node) => new(node.Name.Value, node.Host, node.Port, node.User, IsBastion: false);

    public static SshTarget Of(JumpHost bastion) => new($"bastion {bastion}", bastion.Host, bastion.Port, bastion.User, IsBastion: true);

    public HostAddress Address => new(Name, Host, Port);
}

/// <summary>An SSH connection was not made; <see cref="Exception.Message"/> says why, for operators.</summary>
internal sealed class SshConnectFailure(NodeFailure kind, string reason) : Exception(reason)
{
    /// <summary>What refused us, if the server did (its host key was not trusted, or it did not take our key); <see cref="NodeFailure.Node"/> otherwise.</summary>
    public NodeFailure Kind { get; } = kind;
}
