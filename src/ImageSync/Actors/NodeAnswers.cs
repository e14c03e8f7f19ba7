using Akka.Actor;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// What the nodes of one <see cref="SyncRun"/> answered when checked: each node's status, and for a ready node its
/// inventory, facts and open session, which the plan and the pulls use. A node is answered once: a restarted node
/// actor's second word is moot.
/// </summary>
internal sealed class NodeAnswers(IReadOnlyList<NodeSpec> nodes)
{
    private readonly Dictionary<NodeName, NodeStatus> _statuses = [];
    private readonly Dictionary<IActorRef, NodeName> _actors = [];

    public static readonly NodeAnswers None = new([]);

    public IReadOnlyList<NodeSpec> Nodes => nodes;

    public List<NodeInventory> Inventories { get; } = [];

    public Dictionary<NodeName, NodeFacts> Facts { get; } = [];

    public Dictionary<NodeName, INodeSession> Sessions { get; } = [];

    public bool AllAnswered => _statuses.Count == nodes.Count;

    /// <summary>The node actor that checks <paramref name="node"/>.</summary>
    public void Checking(IActorRef actor, NodeName node) => _actors[actor] = node;

    public bool Answered(NodeName node) => _statuses.ContainsKey(node);

    /// <summary>The node whose actor stopped without answering, if any.</summary>
    public NodeName? Unanswered(IActorRef stopped) => _actors.TryGetValue(stopped, out var node) && !Answered(node) ? node : null;

    public void Ready(NodeEvents.Ready ready)
    {
        Inventories.Add(ready.Inventory);
        Sessions[ready.Node] = ready.Session;
        Facts[ready.Node] = ready.Facts;
    }

    public void Record(NodeStatus status) => _statuses[status.Node] = status;

    /// <summary>A stop before every node answered: the others are "not checked".</summary>
    public void NotChecked(string why)
    {
        foreach (var node in nodes.Where(n => !Answered(n.Name))) Record(NodeStatus.Unreachable(node.Name, $"not checked: {why}", NodeStage.Connect));
    }

    /// <summary>Every node's status, in the listed order.</summary>
    public List<NodeStatus> Statuses() => nodes.Select(n => _statuses[n.Name]).ToList();
}
