using Akka.Actor;
using ImageSync.Domain;

namespace ImageSync.Actors;

/// <summary>What a run asks of the <see cref="PullHistoryActor"/>.</summary>
public static class PullHistoryCommands
{
    /// <summary>Compare what image-sync pulled with what the nodes list now; reply <see cref="PullHistoryEvents.Reckoned"/>.</summary>
    /// <param name="Facts">What each node told of itself: a node whose identity changed is a new node.</param>
    /// <param name="Record">Record what was removed (a run); a plan only looks.</param>
    public sealed record Reckon(IReadOnlyList<NodeInventory> Inventories, IReadOnlyDictionary<NodeName, NodeFacts> Facts, bool Record, DiskPolicy Disk)
        : INoSerializationVerificationNeeded;

    /// <summary>Reply <see cref="PullHistoryEvents.Flushed"/> once every change so far is saved.</summary>
    public sealed class Flush : INoSerializationVerificationNeeded
    {
        public static readonly Flush Instance = new();

        private Flush()
        {
        }
    }
}

public static class PullHistoryEvents
{
    /// <summary>Per reachable node that image-sync pulled onto before: whether it was replaced, what was removed since, and what is held back now.</summary>
    public sealed record Reckoned(IReadOnlyList<PullHistory.NodeReckoning> Nodes) : INoSerializationVerificationNeeded
    {
        public static readonly Reckoned Nothing = new([]);

        /// <summary>What the run log and the metrics learn of it: nodes replaced, and images held back since they were removed.</summary>
        public IEnumerable<SyncEvents.ISyncEvent> Findings() =>
            Nodes.Where(n => n.Replaced is not null).Select(SyncEvents.ISyncEvent (n) => new SyncEvents.NodeReplaced(n.Node, n.Replaced!))
                .Concat(Nodes.Where(n => n.HeldBack.Count > 0).Select(n => new SyncEvents.ImagesHeldBack(n.Node, n.Removed.Count, n.HeldBack.Count, n.HeldBack.Values.Min())));
    }

    public sealed class Flushed : INoSerializationVerificationNeeded
    {
        public static readonly Flushed Instance = new();

        private Flushed()
        {
        }
    }
}
