using System.Diagnostics;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Cron no-op: the published <c>image-sync run</c> against 3 loopback sshd nodes that are already in sync,
/// from process start to exit, alternated with its floor: plain OpenSSH sending the same <c>echo ok</c> and
/// <c>crictl images -o json</c> to every node at once (<see cref="OpenSshFloor"/>). Both with the default
/// (post-quantum) key exchange and with curve25519-sha256. Other builds named on the command line join the
/// alternation.
/// </summary>
internal static class CronNoOpBench
{
    private const string Classic = "curve25519-sha256";

    public static void Run(int repetitions, IReadOnlyList<string> others)
    {
        using var fleet = new TestFleet(nodes: 3);
        string[] images = [.. Enumerable.Range(0, 20).Select(i => $"{TestFleet.Prefix}app{i}:1")];
        fleet.Serving(images);
        foreach (var node in fleet.Nodes) node.Holding(images);
        fleet.Start();
        var classicConfig = Path.Combine(fleet.Root, "classic-kex.conf");
        File.WriteAllText(classicConfig, File.ReadAllText(fleet.ConfigFile) + $"\nimage-sync.ssh.kex-algorithms = [\"{Classic}\"]\n");
        var floor = new OpenSshFloor(fleet, new Dictionary<SshdNode, IReadOnlyList<string>>(), 1, 1, 1, Repository.Crictl);
        var classicFloor = new OpenSshFloor(fleet, new Dictionary<SshdNode, IReadOnlyList<string>>(), 1, 1, 1, Repository.Crictl, Classic);
        (string Label, Func<double> Run)[] variants =
        [
            ("image-sync, default key exchange", () => OpenSshFloor.RunImageSync(fleet.ConfigFile)),
            ("OpenSSH floor, default key exchange", floor.Run),
            ($"image-sync, {Classic}", () => OpenSshFloor.RunImageSync(classicConfig)),
            ($"OpenSSH floor, {Classic}", classicFloor.Run),
            .. others.Select(cli => ($"{cli}, default key exchange", (Func<double>)(() => OpenSshFloor.RunImageSync(fleet.ConfigFile, cli)))),
        ];

        foreach (var variant in variants) variant.Run();
        Explain(fleet);
        var times = variants.ToDictionary(v => v.Label, _ => new List<double>());
        for (var i = 0; i < repetitions; i++)
        {
            foreach (var variant in variants) times[variant.Label].Add(variant.Run());
        }

        foreach (var (label, runs) in times)
            Console.WriteLine($"cron no-op: {label}, 3 nodes in sync: median {Harness.Median(runs):0.000} s of {repetitions} [{string.Join(", ", runs.Select(t => t.ToString("0.000")))}]");
        Console.WriteLine($"cron no-op: image-sync / floor, default key exchange: {Harness.Median(times[variants[0].Label]) / Harness.Median(times[variants[1].Label]):0.00} (target <= 1.6); "
            + $"{Classic}: {Harness.Median(times[variants[2].Label]) / Harness.Median(times[variants[3].Label]):0.00}");
    }

    /// <summary>Where a run's time goes: when each step's log line reaches stdout, from process start.</summary>
    private static void Explain(TestFleet fleet)
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(Repository.Cli, ["run", "--config", fleet.ConfigFile]) { RedirectStandardOutput = true })!;
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
}
