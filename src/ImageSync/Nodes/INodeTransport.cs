using System.Text.RegularExpressions;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>Opens sessions to worker nodes: SSH for real nodes, an in-process fleet for the demo and tests.</summary>
public interface INodeTransport
{
    /// <summary>Connects, verifies the node's identity and authenticates.</summary>
    /// <exception cref="NodeException">The node cannot be reached or refused us; the message says why.</exception>
    Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken);

    /// <summary>
    /// A sync of a long-lived transport (a daemon's) starts: a bastion found down in the last sync is tried
    /// again, once, in this one. A transport made for one run needs nothing.
    /// </summary>
    void SyncStarting()
    {
    }
}

/// <summary>
/// One open connection to one node. Its commands may run concurrently (SSH channels are multiplexed); every one of
/// them honours its CancellationToken.
/// </summary>
public interface INodeSession : IAsyncDisposable
{
    NodeName Node { get; }

    /// <summary>The connection was kept open from an earlier sync (<see cref="KeptConnections"/>): it may have died since.</summary>
    bool Reused => false;

    /// <exception cref="NodeException">The node could not run it, or its answer was not what the command expects; the message says why.</exception>
    Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken);
}

/// <summary>How a remote pull command ended: 0 pulled, 124 the remote timeout fired, anything else failed.</summary>
public sealed record PullExit(int ExitCode, string LastErrorLine)
{
    public const int TimedOut = 124;
}

/// <param name="Timeout">The remote time limit of both halves.</param>
/// <param name="BytesPerSecond">The most the copy may stream; 0 is no limit.</param>
/// <param name="ImageId">The image the target must end up with (the sources' image id, a config digest): the import checks the stream against it.</param>
/// <param name="MaxBytes">The most the source may stream (its claimed size times a margin); past it the copy is cut off. 0 is no cap.</param>
/// <param name="TargetDisk">The target's disk guard, read again as the copy streams; null when the target's image filesystem is not known.</param>
public sealed record CopyLimits(TimeSpan Timeout, long BytesPerSecond, string? ImageId = null, long MaxBytes = 0, DiskFloor? TargetDisk = null)
{
    /// <summary>The cap on a copy of an image whose sources claim <paramref name="sizeBytes"/>: an export carries the blobs crictl counts plus tar headers and the small JSON documents.</summary>
    public static long CapFor(long sizeBytes) => sizeBytes + sizeBytes / 4 + (16L << 20);
}

/// <summary>A copy stops when the target's image filesystem (<paramref name="Path"/>) would pass the disk guard's limits.</summary>
public sealed record DiskFloor(string Path, double MaxUsage, long MinFreeBytes)
{
    /// <returns>Why the copy must stop, or null while the filesystem has room.</returns>
    public string? Crossed(ImageFilesystem now) =>
        now.UsageFraction > MaxUsage
            ? $"{ImageFilesystem.Percent(now.UsageFraction)} of {now.MountedOn} used (limit {ImageFilesystem.Percent(MaxUsage)})"
            : now.AvailableBytes < MinFreeBytes
                ? $"{Sizes.ShowMebibytes(now.AvailableBytes)} available on {now.MountedOn} (min-free {Sizes.Show(MinFreeBytes)})"
                : null;
}

/// <summary>How a copy ended: imported, or why not, and which side failed.</summary>
/// <param name="Bytes">What streamed from the source to the target.</param>
/// <param name="Error">Why the copy failed, naming the node and the command; null when the target imported the image.</param>
/// <param name="SourceFailed">The source could not export (no ctr, no such image, it died mid-stream, it sent another image): another source may do.</param>
/// <param name="Note">What the target removed from an accepted stream (other images it carried), for the outcome line.</param>
/// <param name="SourceCannotExport">The source's containerd lacks the content of images it lists: it serves no more copies in this sync.</param>
public sealed record CopyExit(long Bytes, string? Error, bool SourceFailed = false, string? Note = null, bool SourceCannotExport = false)
{
    // What ctr says of a layer its content store no longer holds.
    private static readonly Regex ContentMissing = new(@"content digest (sha256:[0-9a-f]{64}): not found", RegexOptions.CultureInvariant);

    public bool Imported => Error is null;

    /// <summary>
    /// An export that failed because the source's containerd does not keep the image's layers once unpacked
    /// (<c>discard_unpacked_layers = true</c>: EKS AL2023, Talos, kind), or lost them, in an operator's words; null when
    /// <paramref name="exportError"/> says something else.
    /// </summary>
    public static CopyExit? LackingContent(NodeName source, ImageRef image, string exportError, long bytes) =>
        ContentMissing.Match(exportError) is { Success: true } missing
            ? new CopyExit(bytes, $"{source} cannot export {image}: its containerd discards unpacked layers (discard_unpacked_layers = true), "
                + $"or lost them: content digest {missing.Groups[1].Value} not found", SourceFailed: true, SourceCannotExport: true)
            : null;
}
