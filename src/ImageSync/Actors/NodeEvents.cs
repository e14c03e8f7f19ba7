using Akka.Actor;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>What a <see cref="NodeActor"/> tells the run that spawned it.</summary>
public static class NodeEvents
{
    /// <summary>A restarted node actor asks for a turn to connect again (<see cref="NodeCommands.Connect"/>).</summary>
    public sealed record WantsToConnect(NodeName Node) : INoSerializationVerificationNeeded;

    /// <summary>Its connect ended, either way: the turn is free for the next node.</summary>
    public sealed record DoneConnecting(NodeName Node) : INoSerializationVerificationNeeded;

    /// <summary>Connected, answered <c>echo ok</c> (with its facts), and listed its images. The session stays open for the pulls.</summary>
    public sealed record Ready(NodeName Node, NodeInventory Inventory, INodeSession Session, NodeFacts Facts) : INoSerializationVerificationNeeded;

    public sealed record Unavailable(NodeName Node, string Reason, NodeStage FailedAt) : INoSerializationVerificationNeeded;
}

/// <summary>What the run tells a <see cref="NodeActor"/>.</summary>
public static class NodeCommands
{
    /// <summary>The node's turn to connect: the run bounds the handshakes in flight (<c>ssh.max-connecting</c>).</summary>
    public sealed class Connect : INoSerializationVerificationNeeded
    {
        public static readonly Connect Instance = new();

        private Connect()
        {
        }
    }
}
