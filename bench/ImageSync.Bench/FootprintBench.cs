using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Hosting;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Metrics;
using ImageSync.Nodes.Simulated;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 5, daemon footprint: the daemon as `image-sync daemon` builds it (day files, metrics, scheduler),
/// 10 syncs of 200 simulated nodes, each sync pulling 20 images per node (4,000 pulls: the fleet is renewed
/// between syncs, as new releases would). Prints the resident set after each sync, and the growth from
/// sync 5 to sync 10.
/// </summary>
internal static class FootprintBench
{
    private const int Nodes = 200;
    private const int Syncs = 10;

    /// <summary>More syncs than the target asks for, to tell a leak from noise: the trend of the managed heap.</summary>
    public static int ExtraSyncs { get; set; }

    public static async Task RunAsync()
    {
        var logs = Directory.CreateTempSubdirectory("image-sync-footprint-").FullName;
        var settings = Harness.Settings($$"""
            image-sync {
              transport = simulated
              nodes = [ {{string.Join(", ", Enumerable.Range(1, Nodes).Select(i => $"{{ name = node-{i:000} }}"))}} ]
              images.include-prefixes = ["registry.example.com/"]
              pull { max-parallel = 16, max-per-node = 2 }
              logs.dir = "{{logs}}"
              daemon.interval = 1h
            }
            """);
        using var runLog = new LoggerConfiguration().WriteTo.DayFile(logs, DayFiles.RunLog, "{Timestamp:o} {Message:lj}{NewLine}").CreateLogger();
        using var journal = new DayFileJournal(runLog, logs, 30, TimeProvider.System);
        var setup = new ReloadableSetup(new SyncSetup(settings, Fleet(settings, 0)));
        var presence = new CoordinatorPresence();
        var parts = new ImageSyncParts(setup, new TempLockGate(logs), TimeProvider.System)
        {
            Journal = journal,
            Daemon = new DaemonParts(presence, new SyncMetrics(presence, TimeProvider.System)),
        };
        using var host = new HostBuilder().ConfigureServices(services => services.AddImageSync(parts)).Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var coordinator = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<SyncCoordinator>();
        var finished = new SemaphoreSlim(0);
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new FinishWatcher(finished))), typeof(SyncEvents.SyncFinished));

        // The scheduler's first tick runs sync 1; the rest are triggered as their interval would.
        var resident = new List<double>();
        var heap = new List<double>();
        for (var sync = 1; sync <= Syncs + ExtraSyncs; sync++)
        {
            if (sync > 1)
            {
                setup.Replace(new SyncSetup(settings, Fleet(settings, sync)));
                await coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.TriggerSync("bench"), TimeSpan.FromMinutes(1));
            }
            await finished.WaitAsync(TimeSpan.FromMinutes(5));
            // Let the finished run's actors stop before measuring what stays.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            heap.Add(GC.GetTotalMemory(forceFullCollection: true) / (double)(1 << 20));
            using var self = Process.GetCurrentProcess();
            resident.Add(self.WorkingSet64 / (double)(1 << 20));
            Console.WriteLine($"  after sync {sync,2}: resident {resident[^1]:0.0} MiB, managed heap after a full collection {heap[^1]:0.00} MiB");
        }
        await host.StopAsync();
        Console.WriteLine($"footprint: {Nodes} simulated nodes: resident after sync 10 {resident[Syncs - 1]:0.0} MiB (target <= 200 MiB); "
            + $"from sync 5 to 10 resident {resident[Syncs - 1] - resident[4]:+0.0;-0.0} MiB (it swings {resident.Skip(2).Max() - resident.Skip(2).Min():0.0} MiB from sync to sync), "
            + $"managed heap {heap[Syncs - 1] - heap[4]:+0.00;-0.00} MiB");
        Directory.Delete(logs, recursive: true);
    }

    /// <summary>Each node holds 80 of 100 images (a different 80 each time): 20 pulls per node per sync.</summary>
    private static SimulatedTransport Fleet(ImageSyncSettings settings, int round)
    {
        var random = new Random(round);
        var images = Enumerable.Range(0, 100).Select(i => ImageRef.Parse($"registry.example.com/team/round{round}-app{i}:1")).ToList();
        var nodes = settings.Nodes.ToDictionary(n => n.Name, _ => new SimulatedNodeSettings(
            images.OrderBy(_ => random.Next()).Take(80).Select(i => new SimulatedImage(i, 50_000_000, null)).ToList(),
            TimeSpan.Zero, [], [], SimulatedFaults.None));
        return new SimulatedTransport(new SimulatedFleet(new SimulatedFleetSettings(nodes), settings.Nodes.Select(n => n.Name)));
    }

    private sealed class FinishWatcher : ReceiveActor
    {
        public FinishWatcher(SemaphoreSlim finished) => Receive<SyncEvents.SyncFinished>(_ => finished.Release());
    }

    /// <summary>The real lock, on a file in the bench's own directory.</summary>
    private sealed class TempLockGate(string dir) : IRunGate
    {
        public IDisposable? TryEnter(string lockFile) => RunLock.TryAcquire(Path.Combine(dir, "image-sync.lock"));
    }
}
