using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Pulls as shipped: the published <c>image-sync run</c> against real sshd nodes, each lacking images that
/// the others hold, alternated with the plain-OpenSSH floor doing the same remote work
/// (<see cref="OpenSshFloor"/>). The stand-in is bench/fast-crictl, so the nodes' CPU (which is this
/// machine's) goes to SSH, not to the stand-in. Prints the medians and their ratio, and from the stand-in's
/// own clock how long after the first pull the max-parallel-th started.
/// </summary>
internal static class ParallelBench
{
    private const int TimeoutSeconds = 30;
    private const int KillAfterSeconds = 5;

    /// <param name="Latency">How long each pull takes on the node.</param>
    public sealed record Case(string Name, int Nodes, int MissingPerNode, int MaxParallel, int MaxPerNode, TimeSpan Latency);

    /// <summary>The issue's case: 8 nodes, 96 pulls of 1 s, max-parallel 24.</summary>
    public static readonly Case Parallel = new("parallel", 8, 12, 24, 3, TimeSpan.FromSeconds(1));

    /// <summary>What each pull costs beyond the node's work: 300 pulls that take no time, 12 at once.</summary>
    public static readonly Case Throughput = new("throughput", 3, 100, 12, 4, TimeSpan.Zero);

    public static void Run(Case bench, int repetitions)
    {
        using var fleet = new TestFleet(bench.Nodes);
        // Node k lacks group k and holds every other group.
        var groups = Enumerable.Range(0, bench.Nodes)
            .Select(g => Enumerable.Range(0, bench.MissingPerNode).Select(i => $"{TestFleet.Prefix}g{g}-app{i}:1").ToArray())
            .ToArray();
        foreach (var node in fleet.Nodes) node.PullLatency(bench.Latency);
        var crictl = Path.Combine(Repository.Root, "bench", "fast-crictl");
        fleet.Start($"ssh.crictl = \"{crictl}\"\n"
            + $"pull {{ max-parallel = {bench.MaxParallel}, max-per-node = {bench.MaxPerNode}, timeout = {TimeoutSeconds}s, kill-after = {KillAfterSeconds}s }}");
        var floor = new OpenSshFloor(fleet, fleet.Nodes.Select((n, k) => (n, (IReadOnlyList<string>)groups[k])).ToDictionary(),
            bench.MaxPerNode, TimeoutSeconds, KillAfterSeconds, crictl);

        var pulls = bench.Nodes * bench.MissingPerNode;
        Console.WriteLine($"{bench.Name}: {bench.Nodes} sshd nodes, {pulls} pulls of {bench.Latency.TotalSeconds:0.0} s, max-parallel {bench.MaxParallel}, "
            + $"max-per-node {bench.MaxPerNode}; {repetitions} runs each, alternating");
        var runs = new Dictionary<string, List<(double Seconds, double Ramp)>> { ["image-sync"] = [], ["openssh"] = [] };
        for (var i = 0; i < repetitions; i++)
        {
            foreach (var (label, list) in runs)
            {
                Reset(fleet, groups);
                var seconds = label == "image-sync" ? OpenSshFloor.RunImageSync(fleet.ConfigFile) : floor.Run();
                Verify(fleet, groups, label);
                list.Add((seconds, Ramp(fleet, bench.MaxParallel)));
                Console.WriteLine($"  {label,-10} run {i + 1}: {seconds:0.000} s, the {bench.MaxParallel}th pull started {list[^1].Ramp * 1000:0} ms after the first");
            }
        }
        var image = Harness.Median(runs["image-sync"].Select(r => r.Seconds));
        var open = Harness.Median(runs["openssh"].Select(r => r.Seconds));
        Console.WriteLine($"{bench.Name}: image-sync median {image:0.000} s, OpenSSH floor median {open:0.000} s, ratio {image / open:0.00} (target <= 1.15); "
            + $"per pull {(image - open) * 1000 / pulls:+0.0;-0.0} ms beyond the floor");
        Console.WriteLine($"{bench.Name}: first to {bench.MaxParallel}th pull started, median: image-sync {Harness.Median(runs["image-sync"].Select(r => r.Ramp)) * 1000:0} ms "
            + $"(target <= 150 ms), OpenSSH floor {Harness.Median(runs["openssh"].Select(r => r.Ramp)) * 1000:0} ms");
    }

    private static void Reset(TestFleet fleet, string[][] groups)
    {
        for (var k = 0; k < fleet.Nodes.Count; k++)
        {
            fleet.Nodes[k].Reset(groups.Where((_, g) => g != k).SelectMany(g => g));
            fleet.Nodes[k].ForgetCalls();
        }
    }

    private static void Verify(TestFleet fleet, string[][] groups, string label)
    {
        var expected = groups.SelectMany(g => g).Order().ToList();
        var lacking = fleet.Nodes.FirstOrDefault(n => !n.Images.SequenceEqual(expected));
        if (lacking is not null) throw new InvalidOperationException($"{label}: {lacking.Name} holds {lacking.Images.Count} of {expected.Count} images after the run");
    }

    /// <summary>Seconds from the first pull started on any node to the max-parallel-th.</summary>
    private static double Ramp(TestFleet fleet, int maxParallel)
    {
        var starts = fleet.Nodes.SelectMany(n => n.PullStarts).Order().ToList();
        return (starts[maxParallel - 1] - starts[0]).TotalSeconds;
    }
}
