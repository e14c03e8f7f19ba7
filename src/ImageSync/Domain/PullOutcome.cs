namespace ImageSync.Domain;

public enum PullResult
{
    Success,
    Timeout,
    Failed,
    Skipped,
}

/// <summary>How one planned pull ended. Each planned pull gets exactly one.</summary>
/// <param name="Reason">Why it did not succeed (crictl's error, the watchdog, …); null on success.</param>
/// <param name="Duration">How long the last attempt took.</param>
/// <param name="Attempts">How many times the pull was tried (retries of transient failures count).</param>
/// <param name="FinishedAfter">When it ended, counted from the start of the run.</param>
public sealed record PullOutcome(PlannedPull Pull, PullResult Result, string? Reason, TimeSpan Duration, int Attempts = 1, TimeSpan FinishedAfter = default)
{
    public bool IsSuccess => Result == PullResult.Success;

    /// <summary>Whether a failure could pass on a retry; null for a success or a pull never tried.</summary>
    public FailureKind? Kind => Result is PullResult.Success or PullResult.Skipped ? null : PullFailure.Classify(Result, Reason);

    /// <summary>The word the log files and the bash tool use: SUCCESS, TIMEOUT, FAILED, SKIPPED.</summary>
    public string Word => Result.ToString().ToUpperInvariant();
}
