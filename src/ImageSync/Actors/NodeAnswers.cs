using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// What the nodes of one <see cref="SyncRun"/> answered when checked: each node's status, and for a ready node its
/// inventory, facts and open session, which the plan and the pulls use.
/// </summary>
internal sealed class NodeAnswers(IReadOnlyList<NodeSpec> nodes)
{
    private readonly Dictionary<NodeName, NodeStatus> _statuses = [];

    public static readonly NodeAnswers None = new([]);

    public IReadOnlyList<NodeSpec> Nodes => nodes;

    public List<NodeInventory> Inventories { get; } = [];

    public Dictionary<NodeName, NodeFacts> Facts { get; } = [];

    public Dictionary<NodeName, INodeSession> Sessions { get; } = [];

    public bool AllAnswered => _statuses.Count == nodes.Count;

    /// <summary>Keeps a ready node's inventory, facts and session; returns its status, counting the images the filter matches.</summary>
    public NodeStatus Ready(NodeEvents.Ready ready, ImageFilter filter)
    {
        Inventories.Add(ready.Inventory);
        Sessions[ready.Node] = ready.Session;
        Facts[ready.Node] = ready.Facts;
        var matching = ready.Inventory.Images.SelectMany(i => i.Tags).Count(filter.Matches);
        return NodeStatus.Ready(ready.Node, matching, ready.Inventory.RejectedReferences, ready.Facts);
    }

    public void Record(NodeStatus status) => _statuses[status.Node] = status;

    /// <summary>The nodes that did not answer yet.</summary>
    public IEnumerable<NodeName> Unanswered() => nodes.Select(n => n.Name).Where(node => !_statuses.ContainsKey(node));

    /// <summary>Every node's status, in the listed order.</summary>
    public List<NodeStatus> Statuses() => nodes.Select(n => _statuses[n.Name]).ToList();
}
