namespace ImageSync.Domain;

/// <summary>A worker node as the config names it: where to reach it and as whom.</summary>
public sealed record NodeSpec(NodeName Name, string Host, int Port, string User)
{
    /// <summary>The bastions in front of the node (<c>ssh.jump</c>, or the node's own <c>jump</c>).</summary>
    public JumpChain Jump { get; init; } = JumpChain.Direct;

    public override string ToString() => $"{Name} ({User}@{Host}:{Port}{(Jump.IsDirect ? "" : $" via {Jump}")})";
}
