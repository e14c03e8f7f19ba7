using System.Diagnostics;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 3, cron no-op: the published <c>image-sync run</c> against 3 loopback sshd nodes that are
/// already in sync, from process start to exit. Prints the median of 10 (after one warm-up run), with the
/// default key exchange and with the classic one, and for any other builds named on the command line.
/// </summary>
internal static class CronNoOpBench
{
    private sealed record Variant(string Label, string Cli, string Config);

    /// <param name="others">Other builds to compare with the published one. Runs alternate between variants so
    /// that the machine's noise falls on all of them alike.</param>
    public static void Run(int repetitions, IReadOnlyList<string> others)
    {
        using var fleet = new TestFleet(nodes: 3);
        string[] images = [.. Enumerable.Range(0, 20).Select(i => $"{TestFleet.Prefix}app{i}:1")];
        fleet.Serving(images);
        foreach (var node in fleet.Nodes) node.Holding(images);
        fleet.Start();
        var classicKex = Path.Combine(fleet.Root, "classic-kex.conf");
        File.WriteAllText(classicKex, File.ReadAllText(fleet.ConfigFile) + "\nimage-sync.ssh.kex-algorithms = [\"curve25519-sha256\"]\n");
        Variant[] variants =
        [
            new($"{Repository.Cli} (default key exchange)", Repository.Cli, fleet.ConfigFile),
            new($"{Repository.Cli} (kex-algorithms = [curve25519-sha256])", Repository.Cli, classicKex),
            .. others.Select(cli => new Variant(cli, cli, fleet.ConfigFile)),
        ];

        foreach (var variant in variants) RunOnce(variant);
        Explain(Repository.Cli, fleet);
        var times = variants.ToDictionary(v => v, _ => new List<double>());
        for (var i = 0; i < repetitions; i++)
        {
            foreach (var variant in variants) times[variant].Add(RunOnce(variant));
        }

        foreach (var (variant, runs) in times)
        {
            Console.WriteLine($"cron no-op: {variant.Label}, 3 nodes in sync: median {Harness.Median(runs):0.000}s of {repetitions} "
                + $"[{string.Join(", ", runs.Select(t => t.ToString("0.000")))}] (target <= 0.75 s)");
        }
    }

    /// <summary>Where a run's time goes: when each step's log line reaches stdout, from process start.</summary>
    private static void Explain(string cli, TestFleet fleet)
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(cli, ["run", "--config", fleet.ConfigFile]) { RedirectStandardOutput = true })!;
        var steps = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            var step = line.Contains("SYNC STARTED") ? "sync started (runtime, config, actor system up)"
                : line.Contains("READY") || line.Contains("UNREACHABLE") ? "a node was read (connect, echo ok, crictl images)"
                : line.Contains("SYNC COMPLETE") ? "sync complete"
                : null;
            if (step is not null) steps.Add($"{watch.Elapsed.TotalSeconds:0.000}s {step}");
        }
        process.WaitForExit();
        steps.Add($"{watch.Elapsed.TotalSeconds:0.000}s exited (logs flushed, actor system stopped, summary printed)");
        Console.WriteLine("cron no-op, one run explained:\n  " + string.Join("\n  ", steps));
    }

    private static double RunOnce(Variant variant)
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(variant.Cli, ["run", "--config", variant.Config, "--quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var seconds = watch.Elapsed.TotalSeconds;
        if (process.ExitCode != 0) throw new InvalidOperationException($"run exited {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        return seconds;
    }
}
