
namespace ImageSync.Logging;

/// <summary>
/// A journal that, once a sync's record is written, reports the day-file lines that could not be written
/// during it (once per sync, not once per line), somewhere that does not depend on the log dir: stderr,
/// which journald keeps under systemd.
/// </summary>
public sealed class HealthReportingJournal(ISyncJournal inner, DayFileHealth health, Action<string> report) : ISyncJournal
{
    public void Record(SyncEvents.ISyncEvent syncEvent)
    {
        inner.Record(syncEvent);
        if (syncEvent is SyncEvents.SyncFinished) Report();
    }

    public void PruneExpired() => inner.PruneExpired();

    public void Dispose()
    {
        inner.Dispose();
        Report();
    }

    private void Report()
    {
        if (health.TakeReport() is { } lost) report(lost);
    }
}
