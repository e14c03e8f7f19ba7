namespace ImageSync.Domain;

/// <summary>Which of a node's pulls the disk guard keeps when not all of them fit.</summary>
public enum DiskOrder
{
    /// <summary>The smallest images first: the most images fit.</summary>
    SmallestFirst,

    /// <summary>The largest images first: the ones slowest to pull on demand are there.</summary>
    LargestFirst,
}

/// <summary>The disk guard and the memory of what kubelet's image GC removed (read from <c>image-sync.pull.disk</c>).</summary>
/// <param name="MaxUsage">The share of a node's image filesystem pulls may fill it to (kubelet's usage: 1 − available/size); 1 turns the guard off.</param>
/// <param name="MinFree">Bytes a node's image filesystem keeps available whatever the pulls.</param>
/// <param name="GrowthFactor">Bytes an image takes on the image filesystem per byte of the size crictl reports (the compressed layers, kept, and their unpacked copy).</param>
/// <param name="RemovedBackoff">An image image-sync pulled onto a node and someone removed is not pulled there again for this long; 0 turns it off.</param>
/// <param name="RemovedBackoffMax">The backoff doubles with each removal up to this.</param>
public sealed record DiskPolicy(double MaxUsage, long MinFree, double GrowthFactor, DiskOrder Order, TimeSpan RemovedBackoff, TimeSpan RemovedBackoffMax)
{
    public bool Guards => MaxUsage < 1;

    /// <summary>How long an image removed for the <paramref name="removals"/>-th time is held back: doubling, capped.</summary>
    public TimeSpan BackoffAfter(int removals) =>
        TimeSpan.FromTicks((long)Math.Min(RemovedBackoffMax.Ticks, RemovedBackoff.Ticks * Math.Pow(2, Math.Max(0, removals - 1))));
}
