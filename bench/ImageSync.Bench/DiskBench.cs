using System.Diagnostics;
using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 10, capacity-aware sync: 100 simulated nodes whose image filesystems (100 GiB) are 70 % full, each
/// holding two images of 500 MiB that the others lack (every node lacks 198), and a kubelet image GC on every node
/// that deletes pulled images above 85 % down to 80 % between syncs. Ten syncs in a row, as a daemon runs them
/// (one history, in memory), with the shipped defaults and with the guard and the removal backoff off. Prints
/// the pulls of each sync, the fullest any node got, and how many images the GC deleted.
/// </summary>
internal static class DiskBench
{
    private const int Nodes = 100;
    private const int Syncs = 10;

    public static async Task RunAsync()
    {
        // Images that take on disk what the default growth factor (3.0) estimates, then ones that take less (incompressible layers: 2.0).
        await RunAsync("defaults (max-usage 80%, growth-factor 3.0, removed-backoff 6h), images growing 3.0x", "", growth: 3.0);
        await RunAsync("defaults, images growing 2.0x (the estimate too high)", "", growth: 2.0);
        await RunAsync("guard and backoff off (max-usage 100%, removed-backoff 0s)", "max-usage = 100%, removed-backoff = 0s", growth: 3.0);
        await RunAsync("backoff only (max-usage 100%)", "max-usage = 100%", growth: 3.0);
    }

    private static async Task RunAsync(string name, string disk, double growth)
    {
        var names = Enumerable.Range(1, Nodes).Select(i => $"node-{i:000}").ToList();
        var settings = Harness.Settings($$"""
            image-sync {
              transport = simulated
              nodes = [ {{string.Join(", ", names.Select(n => $"{{ name = {n} }}"))}} ]
              images.include-prefixes = ["registry.example.com/"]
              pull { max-parallel = 32, max-per-node = 2, canary = off, disk { {{disk}} } }
              transfer.mode = registry-only
              logs.dir = /tmp/unused
              simulated {
                pull-latency = 0ms
                disk-growth = {{growth.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
                gc { high-threshold = 85%, low-threshold = 80% }
              }
            }
            """);
        var fleet = new SimulatedFleet(settings.Simulated with { Nodes = FleetOf(settings) }, settings.Nodes.Select(n => n.Name));
        var system = Harness.NewSystem();
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        system.StartPullHistory(new PullHistory(), null, clock);
        var coordinator = system.ActorOf(SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(settings, new SimulatedTransport(fleet))), Harness.AlwaysOpen.Instance, clock));
        var pulls = new List<int>();
        var skips = new List<int>();
        var started = Stopwatch.StartNew();
        for (var sync = 0; sync < Syncs; sync++)
        {
            var answer = await coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.StartSync("bench"), TimeSpan.FromMinutes(5));
            var summary = ((SyncEvents.SyncFinished)answer).Summary;
            pulls.Add(summary.Succeeded + summary.Failed + summary.TimedOut);
            skips.Add(summary.Skipped);
            clock.Step(TimeSpan.FromMinutes(15));
        }
        await system.Terminate();
        var peak = settings.Nodes.Max(n => fleet.PeakDiskUsageOf(n.Name));
        var collected = settings.Nodes.Sum(n => fleet.CollectedOn(n.Name));
        Console.WriteLine($"disk: {name}, {Nodes} nodes, {Syncs} syncs in {started.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine($"  pulls per sync   {string.Join(" ", pulls.Select(p => $"{p,5}"))}");
        Console.WriteLine($"  skipped per sync {string.Join(" ", skips.Select(p => $"{p,5}"))}");
        Console.WriteLine($"  after sync 1: {pulls.Skip(1).Sum()} pulls in all; fullest node {peak:P1}; images deleted by the GC {collected}");
    }

    /// <summary>Two images of 500 MiB on each node, of its own; 70 GiB of the 100 GiB image filesystem used otherwise.</summary>
    private static Dictionary<NodeName, SimulatedNodeSettings> FleetOf(ImageSyncSettings settings) =>
        settings.Nodes.Select((node, i) => (node.Name, Settings: SimulatedNodeSettings.Empty with
        {
            Images = [.. Enumerable.Range(0, 2).Select(k => new SimulatedImage(ImageRef.Parse($"registry.example.com/team/app{i}-{k}:1"), 500L << 20, null))],
            DiskSize = 100L << 30,
            DiskUsed = 70L << 30,
        })).ToDictionary(n => n.Name, n => n.Settings);

    /// <summary>The syncs' wall clock, a sync interval further each time, so the backoff counts as it would in a daemon.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Step(TimeSpan by) => _now += by;
    }
}
