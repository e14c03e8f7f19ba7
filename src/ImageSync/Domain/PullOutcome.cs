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
/// <param name="Copy">Where the image came from when another node, not the registry, served it.</param>
public sealed record PullOutcome(PlannedPull Pull, PullResult Result, string? Reason, TimeSpan Duration, int Attempts = 1, TimeSpan FinishedAfter = default,
    PeerCopy? Copy = null)
{
    public bool IsSuccess => Result == PullResult.Success;

    /// <summary>Whether a failure could pass on a retry; null for a success or a pull never tried.</summary>
    public FailureKind? Kind => Result is PullResult.Success or PullResult.Skipped ? null : PullFailure.Classify(Result, Reason);

    /// <summary>The word the log files and the bash tool use: SUCCESS, TIMEOUT, FAILED, SKIPPED.</summary>
    public string Word => Result.ToString().ToUpperInvariant();

    /// <summary>
    /// A success, checked against what the node lists once its pulls are done (by tag or digest reference):
    /// FAILED when the image is not there, or, for a copy, not there as the source's image (its id).
    /// </summary>
    public PullOutcome CheckedAgainst(IReadOnlyDictionary<ImageRef, NodeImage> held) =>
        !held.TryGetValue(Pull.Image, out var image)
            ? this with { Result = PullResult.Failed, Reason = "not present after pull: crictl reported success, but the node does not list the image" }
            : Copy is not null && Pull.ImageId is { } id && image.Id != id
                ? this with { Result = PullResult.Failed, Reason = $"not the source's image after the copy: the node lists it as {image.Id}, the source as {id}" }
                : this;
}

/// <summary>A node-to-node copy: its source and how much streamed.</summary>
/// <param name="Note">What the target removed from the stream beside the image (other images a source should not have sent).</param>
public sealed record PeerCopy(NodeName Source, long Bytes, string? Note = null);
