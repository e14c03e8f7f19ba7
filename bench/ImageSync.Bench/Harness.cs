using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Locking;
using ImageSync.Nodes;

namespace ImageSync.Bench;

/// <summary>Runs whole syncs on an in-process actor system, as the CLI would, and reads the figures off them.</summary>
internal static class Harness
{
    public static ActorSystem NewSystem() => ActorSystem.Create("bench", """
        akka.loglevel = WARNING
        akka.log-dead-letters = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);

    public static ImageSyncSettings Settings(string hocon) =>
        SettingsLoader.Parse(hocon, "bench.conf", name => name == "HOME" ? "/root" : null);

    public static async Task<SyncSummary> SyncAsync(ActorSystem system, ImageSyncSettings settings, INodeTransport transport)
    {
        var coordinator = system.ActorOf(SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(settings, transport)), AlwaysOpen.Instance, TimeProvider.System));
        try
        {
            var answer = await coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.StartSync("bench"), TimeSpan.FromMinutes(30));
            return ((SyncEvents.SyncFinished)answer).Summary;
        }
        finally
        {
            system.Stop(coordinator);
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Benchmarks measure scheduling and transport, not the lock file.</summary>
    internal sealed class AlwaysOpen : IRunGate
    {
        public static readonly AlwaysOpen Instance = new();

        public IDisposable? TryEnter(string lockFile) => new Released();

        private sealed class Released : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
