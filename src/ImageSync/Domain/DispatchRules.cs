namespace ImageSync.Domain;

/// <summary>Where a node that lacks an image gets it: the registry, another node that holds it, or both in turn.</summary>
public enum TransferMode
{
    /// <summary>Only the registry, as the bash tool did.</summary>
    RegistryOnly,

    /// <summary>The registry first; a pull that fails for good is followed by a copy from a node that holds the image.</summary>
    RegistryThenPeer,

    /// <summary>Copies from nodes only: the registry is never asked (clusters with no registry).</summary>
    PeerFirst,
}

/// <summary>What a run's <see cref="PullDispatchState"/> obeys, taken from the pull and transfer settings and the shutdown grace.</summary>
/// <param name="RemoteLimit">How long a pull may still run on its node once started: its remote timeout plus the kill-after.</param>
/// <param name="MaxCopiesPerSource">Copies streaming out of one node at once.</param>
/// <param name="FanOut">A node that received an image serves copies of it too.</param>
/// <param name="CopyExclude">Globs of images never copied between nodes.</param>
public sealed record DispatchRules(
    int MaxPerNode,
    bool Canary,
    bool Verify,
    int Retries,
    TimeSpan RetryBackoff,
    TimeSpan RemoteLimit,
    DiskPolicy Disk,
    TransferMode Transfer,
    int MaxCopiesPerSource,
    bool FanOut,
    IReadOnlyList<string> CopyExclude,
    TimeSpan ShutdownGrace)
{
    /// <summary>Exponential backoff from the retry backoff, ±25% by <paramref name="jitter"/> in [0, 1), so retries of many nodes do not stampede.</summary>
    public TimeSpan Backoff(int failedAttempts, double jitter) => RetryBackoff * Math.Pow(2, failedAttempts - 1) * (0.75 + jitter / 2);

    /// <summary>Whether the image may be copied from node to node at all (<c>transfer.exclude</c>).</summary>
    public bool Copies(ImageRef image) => !CopyExclude.Any(glob => Glob.IsMatch(glob, image.ToString()));
}
