namespace ImageSync.Logging;

/// <summary>
/// Lines that could not be written to the day files (the log dir deleted and not re-creatable, read-only,
/// full), shared by every day-file sink of the process. The sync goes on without them; the count feeds a
/// metric, and once per sync the journal reports what was lost since the last report.
/// </summary>
public sealed class DayFileHealth(string dir)
{
    private readonly object _gate = new();
    private long _lost;
    private long _lostSinceReport;
    private string _lastError = "";

    public long LinesLost
    {
        get
        {
            lock (_gate) return _lost;
        }
    }

    internal void Lost(string error)
    {
        lock (_gate)
        {
            _lost++;
            _lostSinceReport++;
            _lastError = error;
        }
    }

    /// <returns>What could not be written since the last call, or null when every line was.</returns>
    public string? TakeReport()
    {
        lock (_gate)
        {
            if (_lostSinceReport == 0) return null;
            var report = $"could not write {_lostSinceReport} log lines to the day files in {dir} ({_lastError}); "
                + "the syncs go on, and the files are written again once the directory can be";
            _lostSinceReport = 0;
            return report;
        }
    }
}
