using Akka.Actor;
using ImageSync.Domain;

namespace ImageSync;

/// <summary>
/// What a sync announces, in order, on the event stream: the log actor writes them, and anything else that
/// wants to watch a run (progress view, metrics) subscribes to <see cref="ISyncEvent"/>. The vocabulary sits in
/// the root namespace, below every room: the actors publish it, and Logging, Metrics, Cluster and the CLI read
/// it without depending on the actors. Domain stays free of Akka's message markers.
/// </summary>
public static class SyncEvents
{
    public interface ISyncEvent;

    public sealed record SyncStarted(DateTimeOffset At, IReadOnlyList<NodeSpec> Nodes, string Reason, SyncMode Mode = SyncMode.Run) : ISyncEvent, INoSerializationVerificationNeeded;

    public sealed record NodeChecked(NodeStatus Status) : ISyncEvent, INoSerializationVerificationNeeded;

    public sealed record PlanMade(SyncPlan Plan) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>A pull was handed to a worker (attempt 1, or a retry); <paramref name="From"/> names the node it is copied from.</summary>
    public sealed record PullStarted(PlannedPull Pull, int Attempt, NodeName? From = null) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>An attempt ended; its pull may still be retried or verified before it is finished.</summary>
    public sealed record PullAttemptEnded(PlannedPull Pull, int Attempt, PullResult Result) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>A transient failure: the pull is tried again after <paramref name="Delay"/>.</summary>
    public sealed record PullRetrying(PlannedPull Pull, int NextAttempt, int MaxAttempts, TimeSpan Delay, string Reason) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>
    /// A pull or copy succeeded by crictl's or the copy's word, and is held until the node's pulls are verified: the
    /// day files get its SUCCESS line now, as the bash tool wrote it, so a process killed before the verdict loses none.
    /// </summary>
    public sealed record PullSucceeded(PullOutcome Outcome) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>A pull's one final outcome; <paramref name="AfterSucceeded"/> when a <see cref="PullSucceeded"/> came first.</summary>
    public sealed record PullFinished(PullOutcome Outcome, bool AfterSucceeded = false) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>Something about a node an operator should know that is not a pull's outcome.</summary>
    public sealed record NodeWarning(NodeName Node, string Warning) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>The node is another machine or image store than the one image-sync pulled onto before (<paramref name="Why"/>): its history was cleared.</summary>
    public sealed record NodeReplaced(NodeName Node, string Why) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>
    /// Images image-sync pulled onto the node are gone (kubelet's image GC, an operator): <paramref name="Removed"/> found
    /// so by this sync, <paramref name="HeldBack"/> in all are not pulled there again before <paramref name="NotBefore"/>.
    /// </summary>
    public sealed record ImagesHeldBack(NodeName Node, int Removed, int HeldBack, DateTimeOffset NotBefore) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>A pin on a node was set, taken off, or found to be someone else's: the history records it.</summary>
    public sealed record PinChanged(PinChange Change) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>A node could not pin or unpin an image (no ctr, a CRI-O node; ctr failed); the next sync tries again.</summary>
    public sealed record PinFailed(PinWork Work, string Reason) : ISyncEvent, INoSerializationVerificationNeeded;

    public sealed record SyncFinished(SyncSummary Summary) : ISyncEvent, INoSerializationVerificationNeeded;

    /// <summary>The reply to a start request that cannot run now: refused, never queued.</summary>
    public sealed record SyncRefused(string Why, RefusalKind Kind) : ISyncEvent;

    /// <summary>The reply to a trigger (<c>SyncCommands.TriggerSync</c>) when the sync started.</summary>
    public sealed record SyncAccepted(string Reason) : ISyncEvent;

    public enum RefusalKind
    {
        /// <summary>This coordinator is running a sync.</summary>
        AlreadyRunning,

        /// <summary>A sync started within the trigger's spacing (another replica's tick came first).</summary>
        RecentlySynced,

        /// <summary>Another process (a cron run, the bash tool) holds the lock file.</summary>
        LockHeld,

        /// <summary>The lock file cannot be opened at all.</summary>
        LockUnavailable,

        /// <summary>The coordinator is stopping.</summary>
        ShuttingDown,

        /// <summary>A majority of the replicas did not confirm that this one is still a member of the cluster.</summary>
        NotConfirmed,
    }
}
