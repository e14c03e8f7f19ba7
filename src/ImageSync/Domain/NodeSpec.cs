namespace ImageSync.Domain;

/// <summary>A worker node as the config names it: where to reach it and as whom.</summary>
public sealed record NodeSpec(NodeName Name, string Host, int Port, string User)
{
    /// <summary>The bastions in front of the node (<c>ssh.jump</c>, or the node's own <c>jump</c>).</summary>
    public JumpChain Jump { get; init; } = JumpChain.Direct;

    /// <summary>Its Kubernetes labels, when a Kubernetes API listed it; <c>images.wanted</c> selectors match them.</summary>
    public NodeLabels Labels { get; init; } = NodeLabels.None;

    /// <summary>The node's own <c>node-helper</c> choice; null follows <c>ssh.node-helper</c>.</summary>
    public bool? NodeHelper { get; init; }

    public override string ToString() => $"{Name} ({User}@{Host}:{Port}{(Jump.IsDirect ? "" : $" via {Jump}")})";
}
