namespace ImageSync.Domain;

/// <summary>
/// The disk guard during a run: per guarded node, its image filesystem at the start and the estimated growth
/// of the pulls that succeeded since. A success asks for a fresh read (one at a time per node); what has not
/// started yet is then fitted again to what is available now, with the estimates scaled up by as much as the
/// pulls so far outgrew theirs, so a size reported wrong cannot fill the disk. More than twice is said in the skips.
/// </summary>
internal sealed class DiskWatch
{
    private readonly DiskPolicy _disk;
    private readonly Dictionary<NodeName, Watched> _nodes;

    public DiskWatch(SyncPlan plan, IReadOnlyDictionary<NodeName, NodeFacts> facts, DiskPolicy disk)
    {
        _disk = disk;
        _nodes = !disk.Guards
            ? []
            : plan.Pulls.Select(p => p.Node).Distinct()
                .Where(node => facts.GetValueOrDefault(node)?.ImageFs is not null)
                .ToDictionary(node => node, node => new Watched(facts[node].ImageFs!));
    }

    /// <summary>A pull put its image on the node: its estimate counts towards what the next read should show.</summary>
    public void Grew(PlannedPull pull)
    {
        if (_nodes.TryGetValue(pull.Node, out var watched)) watched.Estimated += DiskBudget.Estimate(pull, _disk);
    }

    /// <summary>The path to read the node's disk at now, unless it is not guarded or a read is under way.</summary>
    public string? BeginRead(NodeName node)
    {
        if (!_nodes.TryGetValue(node, out var watched) || watched.Reading) return null;
        watched.Reading = true;
        return watched.Baseline.Path;
    }

    /// <summary>
    /// The read came back (null: it failed): what has not started on the node yet is fitted again to it. Returns the
    /// pulls that no longer fit, with why; none when the node is not guarded or the read failed.
    /// </summary>
    /// <param name="inFlight">The estimates of the pulls still running: part of their growth may show already.</param>
    public Dictionary<PlannedPull, string> Refit(NodeName node, ImageFilesystem? fresh, long inFlight, IEnumerable<PlannedPull> notStarted)
    {
        if (Read(node, fresh, inFlight) is not { } read) return [];
        var (scale, note) = read;
        var scaled = _disk with { GrowthFactor = _disk.GrowthFactor * scale };
        return DiskBudget.Fit(notStarted, fresh!, (long)(inFlight * scale), scaled, note).Skipped.ToDictionary(s => s.Pull, s => s.Reason);
    }

    /// <summary>
    /// How much more than estimated the pulls so far took (at least 1), and a note when that is more than twice;
    /// null when the node is not guarded or the read failed.
    /// </summary>
    private (double Scale, string Note)? Read(NodeName node, ImageFilesystem? fresh, long inFlight)
    {
        if (!_nodes.TryGetValue(node, out var watched)) return null;
        watched.Reading = false;
        if (fresh is null) return null;
        var actual = watched.Baseline.AvailableBytes - fresh.AvailableBytes;
        var estimated = watched.Estimated + inFlight;
        var scale = estimated <= 0 ? 1 : Math.Max(1, (double)actual / estimated);
        var note = actual > 2 * estimated ? $" (read again: the pulls so far took {Sizes.ShowMebibytes(actual)}, estimated {Sizes.ShowMebibytes(estimated)})" : "";
        return (scale, note);
    }

    private sealed class Watched(ImageFilesystem baseline)
    {
        public ImageFilesystem Baseline { get; set; } = baseline;

        public long Estimated { get; set; }

        public bool Reading { get; set; }
    }
}
