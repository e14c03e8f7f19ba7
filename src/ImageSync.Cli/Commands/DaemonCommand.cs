using System.Runtime.InteropServices;
using ImageSync.Actors;
using ImageSync.Cluster;
using ImageSync.Configuration;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Hosting;
using ImageSync.Locking;
using ImageSync.Metrics;
using ImageSync.Nodes;
using ImageSync.Nodes.Discovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ImageSync.Cli.Commands;

/// <summary>
/// <c>image-sync daemon</c>: a long-lived service on the generic host (systemd-aware). It syncs at start and
/// every <c>daemon.interval</c>; SIGHUP reloads the config between syncs (an invalid one is refused and the
/// running one kept); SIGTERM or SIGINT let a running sync wrap up, flush the logs and exit 0.
/// </summary>
internal sealed class DaemonCommand(TextWriter errors) : ConfiguredCommand<ConfigOptions>(errors)
{
    protected override async Task<int> ExecuteAsync(ConfigOptions options, string configPath, ImageSyncSettings settings)
    {
        var logHealth = RunLogging.Configure(settings.Logs, dayFiles: true, consoleLines: true);
        try
        {
            // Declared first, so disposed last: shutdown closes every kept connection once the syncs have given theirs back.
            using var kept = new KeptConnections(settings.Ssh.MaxOpenConnections);
            using var setup = new ReloadableSetup(Setup(settings, kept));
            using var journal = RunLogging.Journal(settings.Logs, logHealth);
            var presence = new CoordinatorPresence();
            ReplicaTls? tls;
            try
            {
                tls = ClusterTls(settings.Cluster);
            }
            catch (ClusterTlsException e)
            {
                return Failed($"could not start: {e.Message}", null);
            }
            var parts = new ImageSyncParts(setup, FileLockGate.Instance, TimeProvider.System)
            {
                Journal = journal,
                Daemon = new DaemonParts(presence, new SyncMetrics(presence, TimeProvider.System, logHealth)) { ClusterTls = tls },
                Logging = RunLogging.Akka,
                // A daemon remembers what it pulled where in memory; state-file is for single runs.
                History = new PullHistory(),
            };
            using var host = new HostBuilder()
                .UseSystemd()
                .ConfigureServices(services => services
                    .AddImageSync(parts)
                    // A stop waits for the running sync's grace, then for the logs.
                    .Configure<HostOptions>(host => host.ShutdownTimeout = DaemonLifecycle.LongestStop(settings.ShutdownGrace)))
                .Build();
            using var reload = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Reload(configPath, setup, kept, tls);
            });
            using var stop = new StopRequests();
            Log.Information("image-sync daemon starting: {Nodes} listed nodes{Discovered}, a sync every {Interval}{Cluster}", settings.Nodes.Count,
                settings.NodesFromKubernetes.Enabled ? " and those Kubernetes lists" : "", Durations.Show(settings.Daemon.Interval), settings.Cluster.Enabled ? $", cluster replica on {settings.Cluster.Hostname}:{settings.Cluster.Port}" : "");
            try
            {
                await host.StartAsync();
            }
            catch (ListenerException e)
            {
                return Failed($"could not start: {e.Message}", null);
            }
            catch (Exception e)
            {
                // Whatever part it was (the cluster port, the actor system), nothing runs without it; the stack trace goes to the run log.
                return Failed($"could not start: {ExceptionChain.Describe(e)}", e);
            }
            try
            {
                await host.WaitForShutdownAsync();
            }
            catch (Exception e)
            {
                // A part that did not stop cleanly (a flush past its time) must not turn a requested stop into a usage error.
                Log.Error(e, "image-sync daemon: a part did not stop cleanly: {Error}", ExceptionChain.Describe(e));
            }
            // Only a signal asks a daemon to stop; a stop without one (the actor system went down) is a failure systemd should see.
            if (!stop.Requested) return Failed($"stopped without being asked to (no SIGTERM or SIGINT): {StopReason(host)}", null);
            Log.Information("image-sync daemon stopped");
            return ExitCodes.Ok;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    /// <summary>
    /// The replica's TLS on the cluster port, read and checked before anything starts; null without a cluster, or with
    /// its TLS off, which is said at every start.
    /// </summary>
    /// <exception cref="ClusterTlsException">A file is missing or unusable.</exception>
    private static ReplicaTls? ClusterTls(ClusterSettings cluster)
    {
        if (!cluster.Enabled) return null;
        if (!cluster.Tls.Enabled)
        {
            Log.Warning("cluster.tls.enabled = off: the cluster port {Port} admits any process that reaches it, which can then join, run syncs and read the traffic; "
                + "use it only where nothing else can reach the port (README \"Security model\")", cluster.Port);
            return null;
        }
        var tls = ReplicaTls.Load(cluster.Tls, TimeProvider.System);
        Log.Information("cluster TLS: {Certificate}; peers must chain to {Ca}", tls.Own.Describe(TimeProvider.System), cluster.Tls.Ca);
        return tls;
    }

    /// <summary>Why the actor system stopped on its own, as Akka recorded it (a cluster that could not be joined, a TLS handshake that failed).</summary>
    private static string StopReason(IHost host) =>
        host.Services.GetService<Akka.Actor.ActorSystem>() is { } system && Akka.Actor.CoordinatedShutdown.Get(system).ShutdownReason is { } reason
            ? $"{reason} (see the log above)"
            : "see the log above";

    /// <summary>Says why on stderr (journald, a terminal) and in the run log, and gives the exit code for it.</summary>
    private int Failed(string why, Exception? error)
    {
        Log.Fatal(error, "image-sync daemon {Why}", why);
        Errors.WriteLine($"image-sync: daemon {why}");
        return ExitCodes.DaemonFailed;
    }

    /// <summary>Notes a stop signal; the host's lifetime still handles it.</summary>
    private sealed class StopRequests : IDisposable
    {
        private readonly PosixSignalRegistration[] _signals;
        private volatile bool _requested;

        public StopRequests() =>
            _signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(signal => PosixSignalRegistration.Create(signal, _ => _requested = true))];

        public bool Requested => _requested;

        public void Dispose()
        {
            foreach (var signal in _signals) signal.Dispose();
        }
    }

    /// <summary>A daemon's syncs connect through its kept connections (<c>ssh.keep-connections</c>).</summary>
    private static SyncSetup Setup(ImageSyncSettings settings, KeptConnections kept) =>
        new(settings, kept.Serving(RunLogging.Transport(settings), settings), NodeDirectories.Create(settings));

    /// <summary>
    /// Reads the config again; the next sync uses it, and the connections kept to nodes it no longer lists (or
    /// lists with other SSH settings) are closed. A config that does not load changes nothing.
    /// </summary>
    private static void Reload(string path, ReloadableSetup setup, KeptConnections kept, ReplicaTls? tls)
    {
        try
        {
            var settings = SettingsLoader.Load(path);
            var current = setup.Current.Settings;
            setup.Replace(Setup(settings, kept));
            kept.Retain(settings);
            Log.Information("config reloaded from {Path}: {Nodes} nodes; the next sync uses it", path, settings.Nodes.Count);
            if (tls is not null) ReloadTls(tls, settings.Cluster.Tls);
            if (NeedsRestart(current, settings))
                Log.Warning("config reload: changes to logs, cluster and daemon.metrics take effect only after a restart");
        }
        catch (ConfigException e)
        {
            Log.Error("config reload refused, the running config stays: {Problems}", e.Message);
        }
    }

    /// <summary>The cluster's TLS files, read again: files that do not load now leave the running ones in place.</summary>
    private static void ReloadTls(ReplicaTls tls, ClusterTlsSettings files)
    {
        try
        {
            Log.Information("{Reloaded}", tls.Reload(files));
        }
        catch (ClusterTlsException e)
        {
            Log.Error("config reload: the cluster's TLS files cannot be used, the running certificate and CA stay: {Problems}", e.Message);
        }
    }

    private static bool NeedsRestart(ImageSyncSettings running, ImageSyncSettings loaded) =>
        running.Logs != loaded.Logs
        || running.Daemon.Metrics != loaded.Daemon.Metrics
        // New TLS files are taken in by ReloadTls; turning TLS on or off needs a restart.
        || running.Cluster with { SeedNodes = [], Tls = loaded.Cluster.Tls with { Enabled = running.Cluster.Tls.Enabled } } != loaded.Cluster with { SeedNodes = [] }
        || !running.Cluster.SeedNodes.SequenceEqual(loaded.Cluster.SeedNodes);
}
