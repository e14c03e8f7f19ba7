using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Sharded replicas: three published daemons over 24 sshd nodes, with <c>pull.shard-nodes</c> on (each replica runs
/// its own nodes' commands) and off (the coordinator's replica does everything), alternating. Each run waits until the
/// cluster has settled (the shards spread), gives every node back only its own image, and times the next sync from
/// the coordinator's run log; the nodes' sshd logs tell which replica ran commands on how many nodes.
/// </summary>
internal static class ShardBench
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";
    private const int Nodes = 24;

    public static async Task RunAsync(int runs)
    {
        var times = new Dictionary<string, List<double>> { ["on"] = [], ["off"] = [] };
        for (var i = 0; i < runs; i++)
        {
            foreach (var mode in new[] { "on", "off" }) times[mode].Add(await OnceAsync(mode, i + 1));
        }
        Console.WriteLine($"shard: sync of 24 nodes (24 pulls of 1 s), median of {runs}: shard-nodes on {Harness.Median(times["on"]):0.00} s "
            + $"[{string.Join(", ", times["on"].Select(t => t.ToString("0.00")))}], off {Harness.Median(times["off"]):0.00} s [{string.Join(", ", times["off"].Select(t => t.ToString("0.00")))}], "
            + $"ratio on/off {Harness.Median(times["on"]) / Harness.Median(times["off"]):0.00}");
    }

    private static async Task<double> OnceAsync(string mode, int run)
    {
        using var fleet = new TestFleet(nodes: Nodes).Serving(Api, Web);
        foreach (var (node, i) in fleet.Nodes.Select((n, i) => (n, i))) node.Holding(i % 2 == 0 ? Api : Web).PullLatency(TimeSpan.FromSeconds(1));
        // Removed-backoff off: the reset images are pulled again, not held back as removed by someone.
        fleet.Start($"shutdown-grace = 1s\npull {{ timeout = 8s, max-parallel = 8, max-per-node = 1, shard-nodes = {mode}, disk.removed-backoff = 0s }}");
        using var replicas = new DaemonReplicas(fleet, 3, "daemon.interval = 30s");
        foreach (var replica in replicas.All) replica.Start();
        if (await replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(90)) is { } late) throw new TimeoutException($"{late.Name} never became a member");
        // Two rebalance rounds, and the takeover sync done.
        var settled = DateTimeOffset.Now + TimeSpan.FromSeconds(25);
        if (!SpinWait.SpinUntil(() => DateTimeOffset.Now > settled && replicas.All.All(r => r.Syncs.All(s => s.End is not null)) && replicas.LastToSync is not null, TimeSpan.FromSeconds(120)))
            throw new TimeoutException("the takeover sync never completed");
        foreach (var (node, i) in fleet.Nodes.Select((n, i) => (n, i))) node.Reset([i % 2 == 0 ? Api : Web]);
        var marks = replicas.SshdLogMarks();
        var since = DateTimeOffset.Now;
        (DateTimeOffset Start, DateTimeOffset? End)? Next() => replicas.All.SelectMany(r => r.Syncs).Where(s => s.Start > since && s.End is not null).Select(s => ((DateTimeOffset, DateTimeOffset?)?)s).FirstOrDefault();
        if (!SpinWait.SpinUntil(() => Next() is not null, TimeSpan.FromSeconds(120))) throw new TimeoutException("no sync after the reset");
        var sync = Next()!.Value;
        var seconds = (sync.End!.Value - sync.Start).TotalSeconds;
        var shares = replicas.NodesWithSessions(marks).OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value.Count}").ToList();
        Console.WriteLine($"shard: run {run}, shard-nodes = {mode}: sync {seconds:0.00} s; nodes with sessions by replica: {string.Join(", ", shares)}");
        return seconds;
    }
}
