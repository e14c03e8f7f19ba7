using ImageSync.Configuration;

namespace ImageSync.Domain;

/// <summary>
/// The disk guard during a run: per guarded node, its image filesystem as last read and the estimated growth
/// of the pulls that succeeded since. A success asks for a fresh read (one at a time per node); a read that
/// shows more growth than twice the estimate (the estimate was off by more than itself: a size reported
/// wrong) says so, and what has not started yet is fitted again to what is available now.
/// </summary>
internal sealed class DiskWatch
{
    private readonly DiskSettings _disk;
    private readonly Dictionary<NodeName, Watched> _nodes;

    public DiskWatch(SyncPlan plan, IReadOnlyDictionary<NodeName, NodeFacts> facts, DiskSettings disk)
    {
        _disk = disk;
        _nodes = !disk.Guards
            ? []
            : plan.Pulls.Select(p => p.Node).Distinct()
                .Where(node => facts.GetValueOrDefault(node)?.ImageFs is not null)
                .ToDictionary(node => node, node => new Watched(facts[node].ImageFs!));
    }

    /// <summary>A pull put its image on the node: the path to read the disk again at, unless the node is not guarded or a read is under way.</summary>
    public string? Grew(PlannedPull pull)
    {
        if (!_nodes.TryGetValue(pull.Node, out var watched)) return null;
        watched.Estimated += DiskBudget.Estimate(pull, _disk);
        if (watched.Reading) return null;
        watched.Reading = true;
        return watched.Baseline.Path;
    }

    /// <summary>The read came back (null: it failed). Returns why the node's waiting pulls must be fitted again, or null when the estimate holds.</summary>
    public string? Read(NodeName node, ImageFilesystem? fresh)
    {
        if (!_nodes.TryGetValue(node, out var watched)) return null;
        watched.Reading = false;
        if (fresh is null) return null;
        var actual = watched.Baseline.AvailableBytes - fresh.AvailableBytes;
        if (actual <= 2 * watched.Estimated) return null;
        var note = $" (read again: the pulls so far took {Sizes.ShowMebibytes(actual)}, estimated {Sizes.ShowMebibytes(watched.Estimated)})";
        watched.Baseline = fresh;
        watched.Estimated = 0;
        return note;
    }

    private sealed class Watched(ImageFilesystem baseline)
    {
        public ImageFilesystem Baseline { get; set; } = baseline;

        public long Estimated { get; set; }

        public bool Reading { get; set; }
    }
}
