namespace ImageSync.Domain;

/// <summary>One attempt of a planned pull, handed to a worker as job <paramref name="JobId"/>.</summary>
/// <param name="Source">The node to copy the image from; null to pull it from the registry.</param>
public sealed record PullAttempt(long JobId, PlannedPull Pull, int Number, NodeName? Source = null);

/// <summary>What the dispatcher must do after an event, as <see cref="PullDispatchState"/> decides it.</summary>
public interface IPullDecision;

public static class PullDecisions
{
    /// <summary>An attempt ended; its pull may still be retried or verified.</summary>
    public sealed record AttemptRecorded(PlannedPull Pull, int Attempt, PullResult Result) : IPullDecision;

    /// <summary>A transient failure: try again after <paramref name="Delay"/>.</summary>
    public sealed record RetryLater(PlannedPull Pull, int NextAttempt, int MaxAttempts, TimeSpan Delay, string Reason) : IPullDecision;

    /// <summary>The node's pulls are done: read its images again.</summary>
    public sealed record Verify(NodeName Node) : IPullDecision;

    /// <summary>A pull on a guarded node ended and more are to come: read its image filesystem again (df of <paramref name="Path"/>).</summary>
    public sealed record ReadDisk(NodeName Node, string Path) : IPullDecision;

    public sealed record Warn(NodeName Node, string Warning) : IPullDecision;

    /// <summary>A success held for verification: on record now, so a process that dies before the verdict loses no line.</summary>
    public sealed record Held(PullOutcome Outcome) : IPullDecision;

    /// <summary>A pull's one final outcome; <paramref name="WasHeld"/> when its success was put on record as it ended.</summary>
    public sealed record Settled(PullOutcome Outcome, bool WasHeld = false) : IPullDecision;

    /// <summary>Stopping with pulls in flight: they get <paramref name="Grace"/>.</summary>
    public sealed record StartGrace(TimeSpan Grace) : IPullDecision;

    /// <summary>Every planned pull has its outcome; nothing more will be decided.</summary>
    public sealed record AllSettled(IReadOnlyList<PullOutcome> Outcomes) : IPullDecision;
}
