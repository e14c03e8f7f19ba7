using ImageSync.Logging;
using ImageSync.Tests.Support;
using Serilog;

namespace ImageSync.Tests.Logging;

/// <summary>Day files written line by line, with nothing held open: what happens when the log dir goes away.</summary>
public sealed class DayFileSinkSpecs : IDisposable
{
    private readonly TempDirectory _root = new();

    [Fact]
    public void Should_create_the_log_dir_again_when_it_was_deleted_and_go_on_writing()
    {
        var dir = _root.File("logs");
        var health = new DayFileHealth(dir);
        using var log = Logger(dir, health);
        log.Information("before");

        Directory.Delete(dir, recursive: true);
        log.Information("after");

        Assert.Equal(["after"], File.ReadAllLines(DayFile(dir)));
        Assert.Equal(DayFiles.DirectoryMode, File.GetUnixFileMode(dir));
        Assert.Equal(0, health.LinesLost);
        Assert.Null(health.TakeReport());
    }

    [Fact]
    public void Should_count_the_lines_it_cannot_write_and_report_them_once_then_write_again_when_it_can()
    {
        var (dir, health, log) = Unwritable();

        log.Information("lost 1");
        log.Information("lost 2");
        var report = health.TakeReport();
        File.Delete(dir);
        log.Information("written");

        Assert.Equal(2, health.LinesLost);
        Assert.StartsWith($"could not write 2 log lines to the day files in {dir} (", report);
        Assert.Null(health.TakeReport());
        Assert.Equal(["written"], File.ReadAllLines(DayFile(dir)));
    }

    [Fact]
    public void Should_report_lost_lines_once_a_sync_has_been_recorded_and_not_again_without_new_losses()
    {
        var (_, health, log) = Unwritable();
        var reports = new List<string>();
        using var journal = new HealthReportingJournal(new NullJournal(), health, reports.Add);

        log.Information("SYNC STARTED");
        journal.Record(new SyncEvents.PlanMade(ImageSync.Domain.SyncPlan.Empty));
        var beforeTheEnd = reports.Count;
        journal.Record(Finished());
        journal.Record(Finished());

        Assert.Equal(0, beforeTheEnd);
        Assert.Contains("could not write 1 log lines", Assert.Single(reports));
    }

    /// <summary>A file where the log dir should be: neither the dir nor a day file can be created until it goes.</summary>
    private (string Dir, DayFileHealth Health, Serilog.Core.Logger Log) Unwritable()
    {
        var dir = _root.File("logs");
        File.WriteAllText(dir, "");
        var health = new DayFileHealth(dir);
        return (dir, health, Logger(dir, health));
    }

    private static SyncEvents.SyncFinished Finished() =>
        new(new ImageSync.Domain.SyncSummary(ImageSync.Domain.SyncMode.Run, DateTimeOffset.Now, TimeSpan.Zero, [], ImageSync.Domain.SyncPlan.Empty, [], false));

    private static Serilog.Core.Logger Logger(string dir, DayFileHealth health) =>
        new LoggerConfiguration().WriteTo.DayFile(dir, DayFiles.RunLog, "{Message:l}{NewLine}", health).CreateLogger();

    private static string DayFile(string dir) => Path.Combine(dir, DayFiles.NameFor(DayFiles.RunLog, DateOnly.FromDateTime(DateTime.Now)));

    private sealed class NullJournal : ISyncJournal
    {
        public void Record(SyncEvents.ISyncEvent syncEvent)
        {
        }

        public void PruneExpired()
        {
        }

        public void Dispose()
        {
        }
    }

    public void Dispose() => _root.Dispose();
}
