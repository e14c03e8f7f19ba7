using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageSync.Daemon;

/// <summary>What a daemon is made of, apart from its logging: the reloadable setup, the journal, the lock, metrics.</summary>
public sealed record DaemonParts(ReloadableSetup Setup, ISyncJournal Journal, IRunGate Gate, TimeProvider Clock, CoordinatorPresence Presence, SyncMetrics Metrics);

/// <summary>
/// <c>image-sync daemon</c> on the generic host: the log and metrics actors, the coordinator (a cluster
/// singleton when <c>cluster.enabled</c>), the scheduler, the metrics endpoint, and a graceful stop.
/// </summary>
public static class DaemonHosting
{
    public static IServiceCollection AddImageSyncDaemon(this IServiceCollection services, DaemonParts parts, Action<AkkaConfigurationBuilder>? configureLoggers = null)
    {
        var settings = parts.Setup.Current.Settings;
        services.AddAkka("image-sync", builder =>
        {
            configureLoggers?.Invoke(builder);
            // Signals are the host's: a stop lets the running sync wrap up first (DaemonLifecycle below).
            builder.AddHocon("""
                akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                akka.log-dead-letters = off
                akka.log-dead-letters-during-shutdown = off
                """, HoconAddMode.Prepend);
            builder.AddLogActor(parts.Journal).AddSyncEventListener("metrics", parts.Metrics.Record);
            var coordinator = SyncCoordinator.Props(() => parts.Setup.Current, parts.Gate, parts.Clock, parts.Presence, syncAtStart: settings.Cluster.Enabled);
            if (settings.Cluster.Enabled) builder.AddClusteredCoordinator(settings.Cluster, coordinator);
            else builder.WithActors((system, registry) => registry.Register<SyncCoordinator>(system.ActorOf(coordinator, "sync-coordinator")));
            builder.AddDaemonScheduler(parts.Setup);
        });
        // Registered after AddAkka, so it is stopped before the actor system is.
        services.AddHostedService(provider => new DaemonLifecycle(provider.GetRequiredService<ActorRegistry>(), parts));
        if (settings.Daemon.Metrics.Length > 0)
            services.AddHostedService(provider => new MetricsEndpoint(settings.Daemon.Metrics, parts.Metrics.Registry, provider.GetRequiredService<ActorSystem>()));
        return services;
    }

    /// <summary>
    /// Replicas form a cluster; the coordinator is its singleton (callers reach it through the proxy), so
    /// syncs run on exactly one replica. A split brain keeps the majority side. A replica that leaves first
    /// lets its running sync stop gracefully (the termination message).
    /// </summary>
    private static AkkaConfigurationBuilder AddClusteredCoordinator(this AkkaConfigurationBuilder builder, ClusterSettings cluster, Props coordinator) =>
        builder
            .WithRemoting(cluster.Hostname, cluster.Port, cluster.PublicHostname.Length > 0 ? cluster.PublicHostname : null)
            .WithClustering(new ClusterOptions { SeedNodes = [.. cluster.SeedNodes], SplitBrainResolver = new KeepMajorityOption() })
            .WithSingleton<SyncCoordinator>("sync-coordinator", coordinator,
                new ClusterSingletonOptions { TerminationMessage = SyncCommands.Shutdown.Instance }, createProxyToo: true);
}

/// <summary>On stop (SIGTERM, SIGINT, systemd): no more ticks; a sync running here gets the shutdown grace; the logs are flushed.</summary>
internal sealed class DaemonLifecycle(ActorRegistry registry, DaemonParts parts) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var grace = parts.Setup.Current.Settings.ShutdownGrace;
        await registry.Get<DaemonScheduler>().Ask<DaemonCommands.TickingStopped>(DaemonCommands.StopTicking.Instance, TimeSpan.FromSeconds(5), cancellationToken);
        if (parts.Presence.Local is { } coordinator)
        {
            try
            {
                await coordinator.GracefulStop(grace + TimeSpan.FromSeconds(15), SyncCommands.Shutdown.Instance);
            }
            catch (TaskCanceledException)
            {
                // The sync did not wrap up in time; the actor system's shutdown ends it.
            }
        }
        await registry.Get<LogActor>().Ask<LogCommands.Flushed>(LogCommands.Flush.Instance, TimeSpan.FromSeconds(10), cancellationToken);
    }
}
