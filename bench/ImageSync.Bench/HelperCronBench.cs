using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// The cron no-op through the node helper against the shell path: the published <c>image-sync run --quiet</c> against 3
/// loopback sshd nodes already in sync, once logging in as root with shell programs, once as an unprivileged user whose
/// key forces image-sync-node (<see cref="HelperLogin"/>), alternated run by run. Process start to exit.
/// </summary>
internal static class HelperCronBench
{
    public static void Run(int repetitions)
    {
        string[] images = [.. Enumerable.Range(0, 20).Select(i => $"{TestFleet.Prefix}app{i}:1")];
        using var shell = InSync(new TestFleet(nodes: 3), images);
        using var helper = InSync(new TestFleet(nodes: 3, helperCrictl: Repository.Crictl), images);
        (string Label, string Config)[] variants = [("shell programs as root", shell.ConfigFile), ("node helper, forced command, unprivileged", helper.ConfigFile)];

        foreach (var variant in variants) OpenSshFloor.RunImageSync(variant.Config);
        var times = variants.ToDictionary(v => v.Label, _ => new List<double>());
        for (var i = 0; i < repetitions; i++)
        {
            foreach (var variant in variants) times[variant.Label].Add(OpenSshFloor.RunImageSync(variant.Config));
        }

        foreach (var (label, runs) in times)
            Console.WriteLine($"cron no-op: {label}, 3 nodes in sync: median {Harness.Median(runs):0.000} s of {repetitions} [{string.Join(", ", runs.Select(t => t.ToString("0.000")))}]");
        var ratio = Harness.Median(times[variants[1].Label]) / Harness.Median(times[variants[0].Label]);
        Console.WriteLine($"cron no-op: node helper / shell programs: {ratio:0.000} (target <= 1.05: {(ratio <= 1.05 ? "met" : "NOT met")})");
    }

    private static TestFleet InSync(TestFleet fleet, string[] images)
    {
        fleet.Serving(images);
        foreach (var node in fleet.Nodes) node.Holding(images);
        return fleet.Start();
    }
}
