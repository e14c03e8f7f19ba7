using System.Runtime.InteropServices;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Daemon;
using ImageSync.Hosting;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Metrics;
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
        RunLogging.Configure(settings.Logs, dayFiles: true, consoleLines: true);
        try
        {
            using var setup = new ReloadableSetup(new SyncSetup(settings, RunLogging.Transport(settings)));
            using var journal = new DayFileJournal(Log.Logger, settings.Logs.Dir, settings.Logs.RetentionDays, TimeProvider.System);
            var presence = new CoordinatorPresence();
            var parts = new ImageSyncParts(setup, FileLockGate.Instance, TimeProvider.System)
            {
                Journal = journal,
                Daemon = new DaemonParts(presence, new SyncMetrics(presence, TimeProvider.System)),
                Logging = RunLogging.Akka,
            };
            using var host = new HostBuilder()
                .UseSystemd()
                .ConfigureServices(services => services
                    .AddImageSync(parts)
                    // A stop waits for the running sync's grace, then for the logs.
                    .Configure<HostOptions>(host => host.ShutdownTimeout = settings.ShutdownGrace + TimeSpan.FromSeconds(30)))
                .Build();
            using var reload = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Reload(configPath, setup);
            });
            Log.Information("image-sync daemon starting: {Nodes} nodes, a sync every {Interval}{Cluster}", settings.Nodes.Count,
                Durations.Show(settings.Daemon.Interval), settings.Cluster.Enabled ? $", cluster replica on {settings.Cluster.Hostname}:{settings.Cluster.Port}" : "");
            await host.RunAsync();
            Log.Information("image-sync daemon stopped");
            return ExitCodes.Ok;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    /// <summary>Reads the config again; the next sync uses it. A config that does not load changes nothing.</summary>
    private static void Reload(string path, ReloadableSetup setup)
    {
        try
        {
            var settings = SettingsLoader.Load(path);
            var current = setup.Current.Settings;
            setup.Replace(new SyncSetup(settings, RunLogging.Transport(settings)));
            Log.Information("config reloaded from {Path}: {Nodes} nodes; the next sync uses it", path, settings.Nodes.Count);
            if (NeedsRestart(current, settings))
                Log.Warning("config reload: changes to logs, cluster and daemon.metrics take effect only after a restart");
        }
        catch (ConfigException e)
        {
            Log.Error("config reload refused, the running config stays: {Problems}", e.Message);
        }
    }

    private static bool NeedsRestart(ImageSyncSettings running, ImageSyncSettings loaded) =>
        running.Logs != loaded.Logs
        || running.Daemon.Metrics != loaded.Daemon.Metrics
        || running.Cluster with { SeedNodes = [] } != loaded.Cluster with { SeedNodes = [] }
        || !running.Cluster.SeedNodes.SequenceEqual(loaded.Cluster.SeedNodes);
}
