using System.Diagnostics;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.IntegrationTests.Fleet;
using ImageSync.Nodes;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 2, real SSH overhead: 3 loopback sshd nodes (the integration fixture) whose crictl answers at
/// once, 300 pulls. Prints the added time per pull (pull wall time x parallel slots / pulls) on reused
/// connections, and the time to connect all nodes (in parallel, as a run does, and one after the other,
/// as the bash tool did).
/// </summary>
internal static class SshOverheadBench
{
    private const int ImagesPerGroup = 100;

    public static async Task RunAsync(int repetitions)
    {
        using var fleet = new TestFleet(nodes: 3);
        var groups = Enumerable.Range(0, 3).Select(g => Enumerable.Range(0, ImagesPerGroup).Select(i => $"{TestFleet.Prefix}g{g}-img{i}:1").ToArray()).ToArray();
        var crictl = Path.Combine(Repository.Root, "bench", "fast-crictl");
        fleet.Start($"ssh.crictl = \"{crictl}\"");
        var settings = SettingsLoader.Load(fleet.ConfigFile);
        var transport = SshNodeTransport.Create(settings, Environment.GetEnvironmentVariable, _ => { });

        Console.WriteLine($"ssh: connect 3 nodes in parallel {await ConnectAsync(transport, settings, parallel: true):0} ms, one after the other {await ConnectAsync(transport, settings, parallel: false):0} ms");
        foreach (var (perNode, parallel) in new[] { (1, 3), (2, 6), (4, 12) })
        {
            var added = new List<double>();
            for (var run = 1; run <= repetitions; run++)
            {
                // Node k lacks group k and holds the other two: 100 pulls per node, 300 in all.
                for (var k = 0; k < 3; k++)
                {
                    var images = Path.Combine(fleet.Nodes[k].StateDir, "images");
                    File.WriteAllLines(images, groups.Where((_, g) => g != k).SelectMany(g => g).Select(TestFleet.RegistryLine));
                }
                var tuned = settings with { Pull = settings.Pull with { MaxPerNode = perNode, MaxParallel = parallel } };
                using var system = Harness.NewSystem();
                var pulls = Harness.RecordPulls(system);
                var summary = await Harness.SyncAsync(system, tuned, transport);
                if (summary.Succeeded != 3 * ImagesPerGroup) throw new InvalidOperationException($"{summary.Succeeded} of 300 pulls succeeded: {summary.Outcomes.FirstOrDefault(o => !o.IsSuccess)?.Reason}");
                added.Add(pulls.Wall.TotalMilliseconds * parallel / pulls.Attempts);
                await system.Terminate();
            }
            var raw = new List<double>();
            for (var run = 1; run <= repetitions; run++) raw.Add(await RawPullsAsync(fleet, transport, settings, groups, perNode));
            Console.WriteLine($"ssh: max-per-node {perNode}, max-parallel {parallel}: added time per pull, median of {repetitions}: {Harness.Median(added):0.0} ms "
                + $"[{string.Join(", ", added.Select(a => a.ToString("0.0")))}] (target <= 10 ms); "
                + $"the same pulls straight through SSH.NET, no actors: {Harness.Median(raw):0.0} ms");
        }
    }

    /// <summary>
    /// The floor under the figure above: the same 300 remote pull commands on the same connections and with
    /// the same parallelism, issued by plain loops. What image-sync adds is the difference.
    /// </summary>
    private static async Task<double> RawPullsAsync(TestFleet fleet, INodeTransport transport, ImageSyncSettings settings, string[][] groups, int perNode)
    {
        var sessions = await Task.WhenAll(settings.Nodes.Select(n => transport.ConnectAsync(n, CancellationToken.None)));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(sessions.SelectMany((session, k) =>
        {
            var queue = new System.Collections.Concurrent.ConcurrentQueue<string>(groups[k]);
            return Enumerable.Range(0, perNode).Select(async _ =>
            {
                while (queue.TryDequeue(out var image)) await session.PullAsync(ImageRef.Parse(image), settings.Pull.Timeout, CancellationToken.None);
            });
        }));
        var wall = watch.Elapsed.TotalMilliseconds;
        foreach (var session in sessions) await session.DisposeAsync();
        return wall * perNode * sessions.Length / (3 * ImagesPerGroup);
    }

    private static async Task<double> ConnectAsync(INodeTransport transport, ImageSyncSettings settings, bool parallel)
    {
        var watch = Stopwatch.StartNew();
        var sessions = new List<INodeSession>();
        if (parallel) sessions.AddRange(await Task.WhenAll(settings.Nodes.Select(n => transport.ConnectAsync(n, CancellationToken.None))));
        else foreach (var node in settings.Nodes) sessions.Add(await transport.ConnectAsync(node, CancellationToken.None));
        var elapsed = watch.Elapsed.TotalMilliseconds;
        foreach (var session in sessions) await session.DisposeAsync();
        return elapsed;
    }
}
