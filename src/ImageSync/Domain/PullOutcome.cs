namespace ImageSync.Domain;

public enum PullResult
{
    Success,
    Timeout,
    Failed,
    Skipped,
}

/// <summary>How one planned pull ended. Each planned pull gets exactly one.</summary>
/// <param name="Reason">Why it did not succeed (the node's last stderr line, the watchdog, …); null on success.</param>
public sealed record PullOutcome(PlannedPull Pull, PullResult Result, string? Reason, TimeSpan Duration)
{
    public bool IsSuccess => Result == PullResult.Success;

    /// <summary>The word the log files and the bash tool use: SUCCESS, TIMEOUT, FAILED, SKIPPED.</summary>
    public string Word => Result.ToString().ToUpperInvariant();
}
