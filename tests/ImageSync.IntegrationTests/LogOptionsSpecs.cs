using System.Text.Json;
using System.Text.RegularExpressions;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>logs.format, logs.level and logs.day-files, seen in what the published CLI writes for the demo fleet.</summary>
public sealed class LogOptionsSpecs : IDisposable
{
    private const string StampedLine = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ";
    private readonly string _dir = Directory.CreateTempSubdirectory("image-sync-logs-").FullName;

    [Fact]
    public void Should_stamp_every_line_in_iso_8601_with_the_offset_and_write_every_duration_in_seconds_alike()
    {
        var run = Demo("");

        var console = run.Stdout.Split('\n').Where(l => l.Contains(" INF ") || l.Contains(" WRN ")).ToList();
        var runLog = DayFile("image-sync");
        Assert.NotEmpty(console);
        Assert.All(console, l => Assert.Matches(StampedLine, l));
        Assert.All(runLog, l => Assert.Matches(StampedLine, l));
        Assert.All(DayFile("success_images").Concat(DayFile("failed_images")), l => Assert.Matches(StampedLine, l));
        Assert.Contains(runLog, l => Regex.IsMatch(l, @"SYNC COMPLETE in \d+\.\ds$"));
        Assert.Contains(DayFile("success_images"), l => Regex.IsMatch(l, @"\(from worker-2 by transfer, 10\.0 MiB, \d+\.\ds\)$"));
    }

    [Fact]
    public void Should_write_the_console_as_json_lines_and_no_day_files_when_asked()
    {
        var run = Demo("logs { format = json, day-files = off }, lock-file = ./image-sync.lock");

        var lines = run.Stdout.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains(lines, l => l.GetProperty("@m").GetString()!.StartsWith("SYNC STARTED: 3 nodes"));
        // The compact format leaves @l out for Information, and carries each value of the message as a property.
        Assert.Contains(lines, l => l.TryGetProperty("@l", out var level) && level.GetString() == "Warning"
            && (l.GetProperty("Word").GetString(), l.GetProperty("Node").GetString()) == ("FAILED", "worker-1"));
        Assert.All(lines, l => Assert.True(DateTimeOffset.TryParse(l.GetProperty("@t").GetString(), out _) && l.GetProperty("@t").GetString()!.EndsWith('Z')));
        Assert.False(Directory.Exists(Path.Combine(_dir, "logs")), "day files were written");
    }

    [Fact]
    public void Should_leave_lines_below_the_level_out_of_the_console_and_the_run_log()
    {
        var run = Demo("logs.level = warning");

        Assert.DoesNotContain(" INF ", run.Stdout);
        Assert.Contains(" WRN FAILED worker-1 ", run.Stdout);
        Assert.DoesNotContain(DayFile("image-sync"), l => l.Contains("[INF]"));
        Assert.Equal(7, DayFile("success_images").Length);
    }

    private ProcessResult Demo(string settings)
    {
        var config = Path.Combine(_dir, "image-sync.conf");
        File.WriteAllText(config, $"include \"{Path.Combine(Repository.Root, "hocon", "demo.conf")}\"\nimage-sync {{ {settings} }}\n");
        using var process = Shell.Start(Repository.Cli, ["run", "--config", config], workingDirectory: _dir);
        return process.Wait(TimeSpan.FromSeconds(60));
    }

    private string[] DayFile(string stem) => File.ReadAllLines(Path.Combine(_dir, "logs", $"{stem}-{DateTime.Now:yyyy-MM-dd}.log"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
