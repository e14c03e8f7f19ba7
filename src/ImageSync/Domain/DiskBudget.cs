using ImageSync.Configuration;

namespace ImageSync.Domain;

/// <summary>A planned pull the run does not try, and why.</summary>
public sealed record SkippedPull(PlannedPull Pull, string Reason);

/// <summary>
/// The disk guard, pure: which of a node's pulls fit on its image filesystem. Each pull is estimated at its
/// size (as the source nodes report it) times the growth factor; in the configured order, a pull is kept
/// while the usage after it stays at or below <c>max-usage</c> and <c>min-free</c> stays available, and
/// skipped with the numbers otherwise. A node without a known image filesystem is not guarded.
/// </summary>
public static class DiskBudget
{
    public static long Estimate(PlannedPull pull, DiskSettings disk) => (long)Math.Ceiling(pull.SizeBytes * disk.GrowthFactor);

    /// <summary>The plan with every pull that does not fit on its node's image filesystem skipped.</summary>
    public static SyncPlan Apply(SyncPlan plan, IReadOnlyDictionary<NodeName, NodeFacts> facts, DiskSettings disk)
    {
        if (!disk.Guards) return plan;
        var skipped = new List<SkippedPull>();
        foreach (var node in plan.Pulls.GroupBy(p => p.Node))
        {
            if (facts.GetValueOrDefault(node.Key)?.ImageFs is { } imageFs) skipped.AddRange(Fit(node, imageFs, 0, disk).Skipped);
        }
        return plan with { Skips = skipped };
    }

    /// <summary>Which of <paramref name="pulls"/> fit, in the configured order, with <paramref name="committed"/> bytes already on their way.</summary>
    /// <param name="note">Added to each skip's reason (why the disk was read again).</param>
    public static (IReadOnlyList<PlannedPull> Kept, IReadOnlyList<SkippedPull> Skipped) Fit(
        IEnumerable<PlannedPull> pulls, ImageFilesystem imageFs, long committed, DiskSettings disk, string note = "")
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
    private static string? WhyNot(ImageFilesystem imageFs, long growth, DiskSettings disk)
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
