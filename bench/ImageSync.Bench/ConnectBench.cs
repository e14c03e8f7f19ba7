using System.Diagnostics;
using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Many nodes: the published <c>image-sync check</c> (connect, <c>echo ok</c>, <c>crictl images</c>; nothing
/// else) against N loopback sshd nodes, with <c>ssh.max-connecting</c> from 4 to N (all at once), runs
/// alternating. Prints the median wall time of each, and how many nodes missed the default 10 s
/// connect-timeout, which is what handshakes all at once cost on a small host.
/// </summary>
internal static class ConnectBench
{
    public static void Run(int nodes, int repetitions)
    {
        using var fleet = new TestFleet(nodes);
        fleet.Start($"ssh {{ crictl = \"{Path.Combine(Repository.Root, "bench", "fast-crictl")}\", connect-timeout = 10s }}");
        int[] limits = [.. new[] { 4, 8, 16, 32, 64 }.Where(l => l < nodes), nodes];
        var configs = limits.ToDictionary(l => l, l =>
        {
            var path = Path.Combine(fleet.Root, $"max-connecting-{l}.conf");
            File.WriteAllText(path, File.ReadAllText(fleet.ConfigFile) + $"\nimage-sync.ssh.max-connecting = {l}\n");
            return path;
        });
        Console.WriteLine($"connect: {nodes} sshd nodes, `image-sync check`, {repetitions} runs per max-connecting, alternating");
        var runs = limits.ToDictionary(l => l, _ => new List<(double Seconds, int Failed)>());
        for (var i = 0; i < repetitions; i++)
        {
            foreach (var limit in limits)
            {
                var watch = Stopwatch.StartNew();
                var result = Shell.Run(Repository.Cli, ["check", "--config", configs[limit], "--json"], TimeSpan.FromMinutes(5));
                var seconds = watch.Elapsed.TotalSeconds;
                using var report = JsonDocument.Parse(result.Stdout);
                var failed = report.RootElement.GetProperty("totals").GetProperty("unreachable").GetInt32();
                runs[limit].Add((seconds, failed));
                Console.WriteLine($"  max-connecting {limit,3}: {seconds:0.000} s, {failed} nodes unreachable");
            }
        }
        foreach (var (limit, list) in runs)
        {
            Console.WriteLine($"connect: {nodes} nodes, max-connecting {limit,3}: median {Harness.Median(list.Select(r => r.Seconds)):0.000} s "
                + $"[{string.Join(", ", list.Select(r => r.Seconds.ToString("0.000")))}], unreachable per run [{string.Join(", ", list.Select(r => r.Failed))}]");
        }
    }
}
