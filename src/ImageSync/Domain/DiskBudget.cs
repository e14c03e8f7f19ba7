namespace ImageSync.Domain;

/// <summary>A planned pull the run does not try, and why.</summary>
public sealed record SkippedPull(PlannedPull Pull, string Reason);

/// <summary>What of each node's image filesystem kubelet's image GC can never free: its pinned images, and the pulls that will be pinned.</summary>
/// <param name="Bytes">Per node, the size its pinned images are listed at.</param>
/// <param name="WillPin">A planned pull of an image declared with pin = on for its node.</param>
public sealed record PinnedDisk(IReadOnlyDictionary<NodeName, long> Bytes, Func<PlannedPull, bool> WillPin);

/// <summary>
/// The disk guard, pure: which of a node's pulls fit on its image filesystem. Each pull is estimated at its
/// size (as the source nodes report it) times the growth factor; in the configured order, a pull is kept
/// while the usage after it stays at or below <c>max-usage</c> and <c>min-free</c> stays available, and
/// skipped with the numbers otherwise. Pinned images are not reclaimable: kubelet's GC frees a node by deleting unpinned
/// images only, so a pull to be pinned is kept only while the node's pinned images, estimated alike, stay within
/// <c>max-usage</c> of its size on their own. A node without a known image filesystem is not guarded.
/// </summary>
public static class DiskBudget
{
    public static long Estimate(PlannedPull pull, DiskPolicy disk) => (long)Math.Ceiling(pull.SizeBytes * disk.GrowthFactor);

    /// <summary>The plan with every pull that does not fit on its node's image filesystem skipped.</summary>
    public static SyncPlan Apply(SyncPlan plan, IReadOnlyDictionary<NodeName, NodeFacts> facts, DiskPolicy disk, PinnedDisk? pinned = null)
    {
        if (!disk.Guards) return plan;
        var skipped = new List<SkippedPull>();
        foreach (var node in plan.Pulls.GroupBy(p => p.Node))
        {
            if (facts.GetValueOrDefault(node.Key)?.ImageFs is not { } imageFs) continue;
            var (kept, tooBig) = Fit(node, imageFs, 0, disk);
            skipped.AddRange(tooBig);
            if (pinned is not null) skipped.AddRange(FitPinned(kept.Where(pinned.WillPin), imageFs, pinned.Bytes.GetValueOrDefault(node.Key), disk));
        }
        return plan with { Skips = skipped };
    }

    /// <summary>Which of the pulls to be pinned (in the configured order) would take the node's pinned images past <c>max-usage</c>.</summary>
    private static IEnumerable<SkippedPull> FitPinned(IEnumerable<PlannedPull> toPin, ImageFilesystem imageFs, long pinnedBytes, DiskPolicy disk)
    {
        var pinnedFootprint = (long)Math.Ceiling(pinnedBytes * disk.GrowthFactor);
        foreach (var pull in toPin)
        {
            var after = pinnedFootprint + Estimate(pull, disk);
            var share = imageFs.SizeBytes <= 0 ? 1 : after / (double)imageFs.SizeBytes;
            if (share > disk.MaxUsage)
                yield return new SkippedPull(pull, $"disk: pinned images would take {ImageFilesystem.Percent(share)} of {imageFs.MountedOn}, "
                    + $"which kubelet's image GC cannot free (limit {ImageFilesystem.Percent(disk.MaxUsage)})");
            else pinnedFootprint = after;
        }
    }

    /// <summary>Which of <paramref name="pulls"/> fit, in the configured order, with <paramref name="committed"/> bytes already on their way.</summary>
    /// <param name="note">Added to each skip's reason (why the disk was read again).</param>
    public static (IReadOnlyList<PlannedPull> Kept, IReadOnlyList<SkippedPull> Skipped) Fit(
        IEnumerable<PlannedPull> pulls, ImageFilesystem imageFs, long committed, DiskPolicy disk, string note = "")
    {
        var kept = new List<PlannedPull>();
        var skipped = new List<SkippedPull>();
        var ordered = disk.Order == DiskOrder.SmallestFirst
            ? pulls.OrderBy(p => p.SizeBytes).ThenBy(p => p.Image)
            : pulls.OrderByDescending(p => p.SizeBytes).ThenBy(p => p.Image);
        foreach (var pull in ordered)
        {
            var after = committed + Estimate(pull, disk);
            if (WhyNot(imageFs, after, disk) is { } reason) skipped.Add(new SkippedPull(pull, reason + note));
            else
            {
                kept.Add(pull);
                committed = after;
            }
        }
        return (kept, skipped);
    }

    /// <summary>Why <paramref name="growth"/> more bytes do not fit; null when they do.</summary>
    private static string? WhyNot(ImageFilesystem imageFs, long growth, DiskPolicy disk)
    {
        var usage = imageFs.UsageAfter(growth);
        if (usage > disk.MaxUsage)
            return $"disk: would reach {ImageFilesystem.Percent(usage)} of {imageFs.MountedOn} (limit {ImageFilesystem.Percent(disk.MaxUsage)})";
        var left = imageFs.AvailableBytes - growth;
        return left < disk.MinFree
            ? $"disk: would leave {Sizes.ShowMebibytes(Math.Max(0, left))} available on {imageFs.MountedOn} (min-free {Sizes.Show(disk.MinFree)})"
            : null;
    }
}
