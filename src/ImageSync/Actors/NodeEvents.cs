using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>What a <see cref="NodeActor"/> tells the run that spawned it.</summary>
public static class NodeEvents
{
    /// <summary>Connected, answered <c>echo ok</c>, and listed its images. The session stays open for the pulls.</summary>
    public sealed record Ready(NodeName Node, NodeInventory Inventory, INodeSession Session);

    public sealed record Unavailable(NodeName Node, string Reason, NodeStage FailedAt);
}
