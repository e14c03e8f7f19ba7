using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Cluster;
using ImageSync.Configuration;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Hosting;
using ImageSync.Logging;
using ImageSync.Metrics;
using ImageSync.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageSync.Tests.Support;

/// <summary>
/// An <c>image-sync daemon</c> built the way the CLI builds it (same host wiring), on a shared simulated
/// fleet, recording what its syncs do on a timeline the specs share across replicas.
/// </summary>
public sealed class DaemonReplica : IAsyncDisposable
{
    private readonly IHost _host;

    /// <param name="verifyMessages">
    /// Serialize every message a clustered replica sends, even to itself, so one that would cross replicas without
    /// image-sync's serializer (or a local one not marked as staying local) fails the spec; off runs it as shipped.
    /// </param>
    public DaemonReplica(string name, ImageSyncSettings settings, INodeTransport transport, SyncTimeline timeline, bool verifyMessages = true)
    {
        Name = name;
        Presence = new CoordinatorPresence();
        Metrics = new SyncMetrics(Presence, TimeProvider.System);
        var cluster = settings.Cluster;
        var parts = new ImageSyncParts(new ReloadableSetup(new SyncSetup(settings, transport)), new OpenGate(), TimeProvider.System)
        {
            Journal = new TimelineJournal(timeline, name),
            Daemon = new DaemonParts(Presence, Metrics) { ClusterTls = cluster.Enabled && cluster.Tls.Enabled ? ReplicaTls.Load(cluster.Tls, TimeProvider.System) : null },
            Hocon = settings.Cluster.Enabled && verifyMessages ? LocalMessageCheck.Hocon : null,
        };
        _host = new HostBuilder().ConfigureServices(services => services.AddImageSync(parts)).Build();
    }

    public string Name { get; }

    public CoordinatorPresence Presence { get; }

    public SyncMetrics Metrics { get; }

    public bool Stopped { get; private set; }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public Task StartAsync() => _host.StartAsync();

    public async Task StopAsync()
    {
        Stopped = true;
        await _host.StopAsync();
    }

    /// <summary>
    /// The settings of <paramref name="count"/> replicas of one cluster on loopback ports, each listing all: with mutual
    /// TLS, each replica's certificate signed by <paramref name="certificates"/>' CA, or with TLS off when there are none.
    /// </summary>
    public static IReadOnlyList<ImageSyncSettings> Cluster(ImageSyncSettings settings, int count, TestCertificates? certificates)
    {
        var ports = Enumerable.Range(0, count).Select(_ => FreePort()).ToList();
        return [.. ports.Select((port, i) => settings with
        {
            Cluster = settings.Cluster with
            {
                Enabled = true, Hostname = "127.0.0.1", Port = port, SeedNodes = [.. ports.Select(p => $"akka.tcp://image-sync@127.0.0.1:{p}")],
                Tls = certificates?.Replica($"replica-{i + 1}") ?? settings.Cluster.Tls with { Enabled = false },
            },
        })];
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Stopped) await StopAsync();
        _host.Dispose();
    }

    private sealed class TimelineJournal(SyncTimeline timeline, string replica) : ISyncJournal
    {
        public void Record(SyncEvents.ISyncEvent syncEvent) => timeline.Record(replica, syncEvent);

        public void PruneExpired()
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Every replica's syncs on one timeline: who ran which sync when, and the most that ever ran at once.</summary>
public sealed class SyncTimeline
{
    private readonly object _gate = new();
    private readonly List<(string Replica, DateTimeOffset At, string What)> _entries = [];
    private int _running;

    public int MostAtOnce { get; private set; }

    public IReadOnlyList<(string Replica, DateTimeOffset At, string What)> Entries
    {
        get
        {
            lock (_gate) return _entries.ToList();
        }
    }

    public IReadOnlyList<string> ReplicasThatSynced => Entries.Where(e => e.What == "started").Select(e => e.Replica).Distinct().ToList();

    public int Finished => Entries.Count(e => e.What == "finished");

    /// <summary>Each pull's one outcome, with the replica whose coordinator settled it.</summary>
    public IReadOnlyList<(string Replica, PullOutcome Outcome)> Outcomes
    {
        get
        {
            lock (_gate) return _outcomes.ToList();
        }
    }

    private readonly List<(string Replica, PullOutcome Outcome)> _outcomes = [];

    public void Record(string replica, SyncEvents.ISyncEvent syncEvent)
    {
        lock (_gate)
        {
            switch (syncEvent)
            {
                case SyncEvents.SyncStarted:
                    MostAtOnce = Math.Max(MostAtOnce, ++_running);
                    _entries.Add((replica, DateTimeOffset.UtcNow, "started"));
                    break;
                case SyncEvents.PullFinished finished:
                    _outcomes.Add((replica, finished.Outcome));
                    break;
                case SyncEvents.SyncFinished:
                    _running--;
                    _entries.Add((replica, DateTimeOffset.UtcNow, "finished"));
                    break;
            }
        }
    }
}
