using ImageSync.Domain;

namespace ImageSync.Actors;

/// <summary>
/// What a sync announces, in order, on the event stream: the <see cref="LogActor"/> writes them, and
/// anything else that wants to watch a run (progress view, metrics) subscribes to <see cref="ISyncEvent"/>.
/// </summary>
public static class SyncEvents
{
    public interface ISyncEvent;

    public sealed record SyncStarted(DateTimeOffset At, IReadOnlyList<NodeSpec> Nodes, string Reason) : ISyncEvent;

    /// <param name="RejectedReferences">Strings the node reported that are not valid image references.</param>
    public sealed record NodeChecked(NodeStatus Status, IReadOnlyList<string> RejectedReferences) : ISyncEvent;

    public sealed record PlanMade(SyncPlan Plan) : ISyncEvent;

    public sealed record PullFinished(PullOutcome Outcome) : ISyncEvent;

    public sealed record SyncFinished(SyncSummary Summary) : ISyncEvent;

    /// <summary>The reply to a start request while a sync runs: refused, not queued.</summary>
    public sealed record SyncRefused(string Why) : ISyncEvent;
}
