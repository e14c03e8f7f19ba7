using System.Diagnostics;
using System.Globalization;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 11, thousands of nodes from one process: the published <c>image-sync</c> on a generated simulated fleet
/// (<c>simulated.generate</c>: 200 images, every node lacking one of them, pulls of 20 ms, max-parallel 64), `run`
/// and `plan`, for 1,000 and 5,000 nodes, 3 runs each. Prints the wall time and the peak resident set (GNU time's
/// %M), and how much `plan` printed.
/// </summary>
internal static class FleetSizeBench
{
    public static void Run(int repetitions, IReadOnlyList<int> fleetSizes)
    {
        var dir = Directory.CreateTempSubdirectory("image-sync-fleet-size-").FullName;
        foreach (var nodes in fleetSizes)
        {
            var config = Path.Combine(dir, $"fleet-{nodes}.conf");
            File.WriteAllText(config, $$"""
                image-sync {
                  transport = simulated
                  images.include-prefixes = ["registry.example.com/team/"]
                  pull { max-parallel = 64, max-per-node = 2 }
                  logs.dir = "{{dir}}/logs-{{nodes}}"
                  lock-file = "{{dir}}/lock-{{nodes}}"
                  state-file = ""
                  simulated { pull-latency = 20ms, generate { nodes = {{nodes}}, images = 200, missing-per-node = 1 } }
                }
                """);
            foreach (var command in new[] { "run", "plan" })
            {
                var runs = Enumerable.Range(0, repetitions).Select(_ => Measure(command, config)).ToList();
                Console.WriteLine($"fleet-size: {command} of {nodes} nodes x 200 images: median {Harness.Median(runs.Select(r => r.Seconds)):0.00} s, "
                    + $"peak RSS {Harness.Median(runs.Select(r => r.PeakMiB)):0} MiB [{string.Join(", ", runs.Select(r => $"{r.Seconds:0.00} s {r.PeakMiB:0} MiB"))}]; "
                    + $"printed {runs[0].Lines} lines, {runs[0].Bytes / 1024.0:0.0} KiB; exit {runs[0].ExitCode}");
            }
        }
        Directory.Delete(dir, recursive: true);
    }

    private static (double Seconds, double PeakMiB, int Lines, long Bytes, int ExitCode) Measure(string command, string config)
    {
        var start = new ProcessStartInfo("/usr/bin/time", ["-f", "%e %M", Repository.Cli, command, "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var lines = 0;
        var bytes = 0L;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            lines++;
            bytes += line.Length + 1;
        }
        process.WaitForExit();
        var figures = errors.Result.TrimEnd().Split('\n')[^1].Split(' ');
        return (double.Parse(figures[0], CultureInfo.InvariantCulture), double.Parse(figures[1], CultureInfo.InvariantCulture) / 1024, lines, bytes, process.ExitCode);
    }
}
