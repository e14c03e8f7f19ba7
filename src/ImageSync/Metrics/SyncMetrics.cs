using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Logging;
using Prometheus;

namespace ImageSync.Metrics;

/// <summary>
/// The daemon's Prometheus metrics, updated from the sync events of the replica they run on, with the
/// process_ and dotnet_ runtime metrics beside them. Each daemon has its own registry, so several in one
/// process (tests) do not mix their counts. Every outcome is labelled <c>result</c>.
/// </summary>
public sealed class SyncMetrics
{
    private const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    private readonly Counter _syncs;
    private readonly Histogram _syncSeconds;
    private readonly Counter _pulls;
    private readonly Histogram _pullSeconds;
    private readonly Gauge _missing;
    private readonly Gauge _reachable;
    private readonly Gauge _imageFs;
    private readonly Counter _removed;
    private readonly Gauge _heldBack;
    private readonly Gauge _heldBackUntil;
    private readonly Gauge _lastSuccess;
    private readonly Gauge _lastAttempt;
    private readonly Gauge _lastResult;
    private readonly object _reportGate = new();
    private double _lastReported;
    private readonly TimeProvider _clock;
    private long _lastAttemptTimestamp;

    /// <param name="logs">Counts the day-file lines that could not be written; null when none are written.</param>
    /// <param name="processMetrics">Add the process_ and dotnet_ series of this process (not in a cron run's metrics file).</param>
    public SyncMetrics(CoordinatorPresence presence, TimeProvider clock, DayFileHealth? logs = null, bool processMetrics = true)
    {
        _clock = clock;
        _lastAttemptTimestamp = clock.GetTimestamp();
        Registry = Prometheus.Metrics.NewCustomRegistry();
        if (processMetrics) DotNetStats.Register(Registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _syncs = factory.CreateCounter("image_sync_syncs_total", "Syncs by result: ok, failures (a pull failed or a node was unreachable), interrupted, aborted, refused.", "result");
        _syncSeconds = factory.CreateHistogram("image_sync_sync_duration_seconds", "How long syncs took, from start to summary, by result.",
            new HistogramConfiguration { LabelNames = ["result"], Buckets = Histogram.ExponentialBuckets(1, 2, 14) });
        _pulls = factory.CreateCounter("image_sync_pulls_total", "Pull outcomes by node and result (success, timeout, failed, skipped).", "node", "result");
        _pullSeconds = factory.CreateHistogram("image_sync_pull_duration_seconds", "How long pulls took (the last attempt), by result.",
            new HistogramConfiguration { LabelNames = ["result"], Buckets = Histogram.ExponentialBuckets(0.25, 2, 14) });
        _missing = factory.CreateGauge("image_sync_images_missing", "Matching images each node still lacked when the last sync ended (planned and not pulled).", "node");
        _reachable = factory.CreateGauge("image_sync_node_reachable", "1 when the node was reachable at the last sync, 0 when not.", "node");
        _imageFs = factory.CreateGauge("image_sync_node_image_fs_bytes", "Each node's image filesystem at the last sync (df of crictl's image filesystem), by kind: size, used, available.", "node", "kind");
        _removed = factory.CreateCounter("image_sync_images_removed_total", "Images image-sync pulled that were removed from the node since (kubelet's image GC, an operator).", "node");
        _heldBack = factory.CreateGauge("image_sync_pulls_held_back", "Pulls each node needed at the last sync that the removal backoff held back (removed since image-sync pulled them).", "node");
        _heldBackUntil = factory.CreateGauge("image_sync_pulls_held_back_until_timestamp_seconds", "Unix time the first of a node's held-back pulls may be pulled again; no series when none is held back.", "node");
        _lastSuccess = factory.CreateGauge("image_sync_last_success_timestamp_seconds", "Unix time of the last sync that ended with every node in sync.");
        _lastAttempt = factory.CreateGauge("image_sync_last_attempt_timestamp_seconds", "Unix time a sync last started, whatever became of it.");
        _lastResult = factory.CreateGauge("image_sync_last_result", "1 for how the last sync in the cluster ended: ok, failures, interrupted or aborted.", "result");
        var build = factory.CreateGauge("image_sync_build_info", "Always 1; the version and commit of the running build are its labels.", "version", "commit");
        build.WithLabels(BuildInfo.Current.Version, BuildInfo.Current.Commit).Set(1);
        var coordinator = factory.CreateGauge("image_sync_coordinator", "1 while this replica runs the sync coordinator (the cluster singleton).");
        var linesLost = factory.CreateCounter("image_sync_log_write_failures_total", "Lines that could not be written to the day files (log dir gone, read-only or full).");
        Registry.AddBeforeCollectCallback(() =>
        {
            coordinator.Set(presence.IsHere ? 1 : 0);
            if (logs is not null) linesLost.IncTo(logs.LinesLost);
        });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>On the monotonic clock, since a sync last started here, or since these metrics were created when none did.</summary>
    public TimeSpan SinceLastAttempt => _clock.GetElapsedTime(Interlocked.Read(ref _lastAttemptTimestamp));

    /// <summary>The registry in Prometheus' text format, as <c>/metrics</c> serves it.</summary>
    public async Task<HttpAnswer> ScrapeAsync(CancellationToken cancellationToken)
    {
        using var text = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(text, cancellationToken);
        return new HttpAnswer(200, ContentType, text.ToArray());
    }

    public void Record(SyncEvents.ISyncEvent syncEvent)
    {
        switch (syncEvent)
        {
            case SyncEvents.SyncStarted { Mode: SyncMode.Run }:
                _lastAttempt.IncTo(UnixNow());
                Interlocked.Exchange(ref _lastAttemptTimestamp, _clock.GetTimestamp());
                break;
            case SyncEvents.NodeChecked node:
                _reachable.WithLabels(node.Status.Node.Value).Set(node.Status.Reachable ? 1 : 0);
                if (node.Status.Facts?.ImageFs is { } imageFs) RecordImageFs(node.Status.Node.Value, imageFs.SizeBytes, imageFs.UsedBytes, imageFs.AvailableBytes);
                break;
            case SyncEvents.ImagesHeldBack held:
                _removed.WithLabels(held.Node.Value).Inc(held.Removed);
                break;
            case SyncEvents.PullFinished pull:
                var result = pull.Outcome.Word.ToLowerInvariant();
                _pulls.WithLabels(pull.Outcome.Pull.Node.Value, result).Inc();
                if (pull.Outcome.Result != PullResult.Skipped) _pullSeconds.WithLabels(result).Observe(pull.Outcome.Duration.TotalSeconds);
                break;
            case SyncEvents.SyncFinished { Summary.Mode: SyncMode.Run } finished:
                var report = ReportOf(finished.Summary);
                _syncs.WithLabels(report.Result).Inc();
                _syncSeconds.WithLabels(report.Result).Observe(finished.Summary.Duration.TotalSeconds);
                Apply(report);
                break;
            // Another replica's tick after a sync is not a sync that could not run.
            case SyncEvents.SyncRefused { Kind: not SyncEvents.RefusalKind.RecentlySynced }:
                _syncs.WithLabels("refused").Inc();
                break;
        }
    }

    private void RecordImageFs(string node, long size, long used, long available)
    {
        _imageFs.WithLabels(node, "size").Set(size);
        _imageFs.WithLabels(node, "used").Set(used);
        _imageFs.WithLabels(node, "available").Set(available);
    }

    /// <summary>
    /// A cron run's metrics (<c>run --metrics-file</c>): its summary read as the daemon reads the events of a sync,
    /// so that both write the same series.
    /// </summary>
    public void Record(SyncSummary summary)
    {
        Record(new SyncEvents.SyncStarted(summary.StartedAt, summary.Specs ?? [], "run", summary.Mode));
        foreach (var node in summary.Nodes) Record(new SyncEvents.NodeChecked(node));
        foreach (var outcome in summary.Outcomes) Record(new SyncEvents.PullFinished(outcome));
        Record(new SyncEvents.SyncFinished(summary));
    }

    /// <summary>A clean sync of an earlier process (the previous cron run's metrics file), unless this one is later.</summary>
    public void RememberLastSuccess(double unixSeconds) => _lastSuccess.IncTo(unixSeconds);

    /// <summary>
    /// The gauges a finished sync leaves: when it started and (if clean) ended, how, and what each node of the fleet
    /// still lacks once it is over. Grouped once: a fleet of thousands of nodes must not cost nodes x pulls.
    /// </summary>
    public FleetReport ReportOf(SyncSummary summary)
    {
        var result = ResultOf(summary);
        var pulled = summary.Outcomes.Where(o => o.IsSuccess).Select(o => (o.Pull.Node, o.Pull.Image)).ToHashSet();
        var missing = summary.Plan.Pulls.Where(p => !pulled.Contains((p.Node, p.Image))).ToLookup(p => p.Node);
        var heldBack = summary.Plan.HeldBack.ToLookup(h => h.Pull.Node, h => h.Until);
        var nodes = summary.Nodes.Select(n => new FleetReport.NodeGauges(n.Node.Value, n.Reachable, n.Reachable ? missing[n.Node].Count() : null,
            n.Facts?.ImageFs is { } fs ? [fs.SizeBytes, fs.UsedBytes, fs.AvailableBytes] : null,
            n.Reachable ? heldBack[n.Node].Count() : null,
            heldBack[n.Node].Any() ? heldBack[n.Node].Min().ToUnixTimeMilliseconds() / 1000.0 : null)).ToArray();
        return new FleetReport(summary.StartedAt.ToUnixTimeMilliseconds() / 1000.0, result == "ok" ? UnixNow() : null, result, nodes, summary.DiscoveryError is null);
    }

    /// <summary>
    /// Sets the gauges from a sync that ended here or on another replica. Times only move forward, so a report that
    /// arrives late changes nothing it should not. The series of a node no longer in the fleet are deleted (unless
    /// discovery failed: its nodes did not leave, they were not listed); what an unreachable node lacks is not known.
    /// </summary>
    public void Apply(FleetReport report)
    {
        lock (_reportGate)
        {
            if (report.AttemptUnix < _lastReported) return;
            _lastReported = report.AttemptUnix;
        }
        _lastAttempt.IncTo(report.AttemptUnix);
        if (report.SuccessUnix is { } success) _lastSuccess.IncTo(success);
        foreach (var other in _lastResult.GetAllLabelValues().Where(l => l[0] != report.Result).ToList()) _lastResult.RemoveLabelled(other);
        _lastResult.WithLabels(report.Result).Set(1);
        foreach (var node in report.Nodes)
        {
            _reachable.WithLabels(node.Node).Set(node.Reachable ? 1 : 0);
            if (node.Missing is { } count) _missing.WithLabels(node.Node).Set(count);
            else _missing.RemoveLabelled(node.Node);
            if (node.ImageFs is [var size, var used, var available]) RecordImageFs(node.Node, size, used, available);
            if (node.HeldBack is { } held) _heldBack.WithLabels(node.Node).Set(held);
            else _heldBack.RemoveLabelled(node.Node);
            if (node.HeldBackUntil is { } until) _heldBackUntil.WithLabels(node.Node).Set(until);
            else _heldBackUntil.RemoveLabelled(node.Node);
        }
        if (!report.WholeFleet) return;
        var fleet = report.Nodes.Select(n => n.Node).ToHashSet();
        foreach (var gauge in new[] { _missing, _reachable, _imageFs, _heldBack, _heldBackUntil })
            foreach (var gone in gauge.GetAllLabelValues().Where(labels => !fleet.Contains(labels[0])).ToList()) gauge.RemoveLabelled(gone);
        foreach (var counter in new[] { _pulls, _removed })
            foreach (var gone in counter.GetAllLabelValues().Where(labels => !fleet.Contains(labels[0])).ToList()) counter.RemoveLabelled(gone);
    }

    private double UnixNow() => _clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    private static string ResultOf(SyncSummary summary) =>
        summary.Fault is not null ? "aborted"
        : summary.Interrupted ? "interrupted"
        : summary.HasFailures ? "failures"
        : "ok";
}
