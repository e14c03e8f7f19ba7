using ImageSync.Daemon;
using ImageSync.Domain;

namespace ImageSync.Metrics;

/// <summary>
/// A cron run's metrics for node_exporter's textfile collector (<c>run --metrics-file</c>): the daemon's
/// image_sync_ series for this run, written beside the file and renamed over it, so the collector never reads
/// half a file. No process_ or dotnet_ series: node_exporter has its own, and they would collide.
/// </summary>
public static class MetricsFile
{
    /// <exception cref="IOException">The file cannot be written or renamed into place.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write in the file's directory.</exception>
    public static async Task WriteAsync(string path, SyncSummary summary, TimeProvider clock, CancellationToken cancellationToken)
    {
        var metrics = new SyncMetrics(new CoordinatorPresence(), clock, processMetrics: false);
        metrics.Record(summary);
        var full = Path.GetFullPath(path);
        // Each run writes the file anew; the last clean sync may have been an earlier run's.
        if (PreviousLastSuccess(full) is { } earlier) metrics.RememberLastSuccess(earlier);
        // The collector reads *.prom only: a hidden temporary name in the same directory (one file system, so the rename is atomic).
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                await metrics.Registry.CollectAndExportAsTextAsync(file, cancellationToken);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private const string LastSuccess = "image_sync_last_success_timestamp_seconds ";

    private static double? PreviousLastSuccess(string path)
    {
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(LastSuccess, StringComparison.Ordinal));
        return double.TryParse(line?[LastSuccess.Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }
}
