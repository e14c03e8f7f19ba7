using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Daemon;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Metrics;
using ImageSync.Cluster;
using ImageSync.State;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSync.Hosting;

/// <summary>What one image-sync process is made of. <c>run</c>, <c>plan</c>, <c>check</c>, <c>daemon</c> and the specs fill it in.</summary>
/// <param name="Setup">The settings and the transport built from them; the daemon replaces them on reload.</param>
public sealed record ImageSyncParts(ReloadableSetup Setup, IRunGate Gate, TimeProvider Clock)
{
    /// <summary>Writes the day files; null for <c>plan</c> and <c>check</c>, which change nothing.</summary>
    public ISyncJournal? Journal { get; init; }

    /// <summary>Sees every sync event, one at a time (the live view of a run on a terminal).</summary>
    public Action<SyncEvents.ISyncEvent>? Watcher { get; init; }

    /// <summary>The daemon's own parts; null for a one-shot command.</summary>
    public DaemonParts? Daemon { get; init; }

    /// <summary>Akka's logging (the CLI routes it to Serilog); null keeps Akka's own, as specs do.</summary>
    public Action<LoggerConfigBuilder>? Logging { get; init; }

    /// <summary>Akka settings laid over image-sync's own (the cluster specs turn on serialize-messages); null adds none.</summary>
    public string? Hocon { get; init; }

    /// <summary>What image-sync pulled where before (<see cref="PullHistoryActor"/>); null keeps none, so removals are not noticed.</summary>
    public PullHistory? History { get; init; }

    /// <summary>Where <see cref="History"/> is saved as it changes; null keeps it in memory (the daemon, a plan).</summary>
    public IPullHistoryStore? HistoryStore { get; init; }
}

/// <summary>The daemon's scheduler, metrics and the knowledge of whether the coordinator runs in this process.</summary>
public sealed record DaemonParts(CoordinatorPresence Presence, SyncMetrics Metrics)
{
    /// <summary>The replica's TLS on the cluster port (<c>cluster.tls</c>); null when the cluster is off, or its TLS is.</summary>
    public ReplicaTls? ClusterTls { get; init; }
}

/// <summary>The one place that assembles image-sync's actor system, for every command and for the specs.</summary>
public static class ImageSyncHosting
{
    public static IServiceCollection AddImageSync(this IServiceCollection services, ImageSyncParts parts)
    {
        // Registered before AddAkka, so it binds before any sync starts: an address it cannot use stops the start.
        if (parts.Daemon is { } endpoint && parts.Setup.Current.Settings.Daemon.Metrics is { Length: > 0 } address)
            services.AddHostedService(provider => new MetricsEndpoint(address, Routes(endpoint, parts.Setup, provider)));
        services.AddAkka(ClusterSettings.SystemName, builder => builder.AddImageSync(parts));
        if (parts.Daemon is not { } daemon) return services;
        // Registered after AddAkka, so it is stopped before the actor system is.
        services.AddHostedService(provider => new DaemonLifecycle(provider.GetRequiredService<ActorSystem>(), provider.GetRequiredService<ActorRegistry>(), parts.Setup, daemon.Presence));
        return services;
    }

    /// <summary>
    /// What the daemon's endpoint serves: the metrics; liveness (200 while the actor system is up, 503 once it is
    /// going away); readiness (<see cref="Readiness"/>: 503 with the reason when not ready).
    /// </summary>
    private static Dictionary<string, Func<CancellationToken, Task<HttpAnswer>>> Routes(DaemonParts daemon, ReloadableSetup setup, IServiceProvider provider)
    {
        // Joining a cluster takes a restart, whatever a reloaded config says.
        var clustered = setup.Current.Settings.Cluster.Enabled;
        return new()
        {
            ["/metrics"] = daemon.Metrics.ScrapeAsync,
            ["/healthz"] = _ => Task.FromResult(provider.GetRequiredService<ActorSystem>().WhenTerminated.IsCompleted
                ? HttpAnswer.Text(503, "stopping\n")
                : HttpAnswer.Text(200, "ok\n")),
            ["/readyz"] = _ => Task.FromResult(Readiness.Problem(
                    clustered ? Akka.Cluster.Cluster.Get(provider.GetRequiredService<ActorSystem>()).SelfMember.Status : null,
                    // A coordinator that just took over has attempted nothing here yet: its time counts from its arrival.
                    daemon.Presence.HereFor is { } here ? TimeSpan.FromTicks(Math.Min(here.Ticks, daemon.Metrics.SinceLastAttempt.Ticks)) : null,
                    setup.Current.Settings.Daemon.Interval) is { } problem
                ? HttpAnswer.Text(503, problem + "\n")
                : HttpAnswer.Text(200, "ready\n")),
        };
    }

    private static AkkaConfigurationBuilder AddImageSync(this AkkaConfigurationBuilder builder, ImageSyncParts parts)
    {
        AddParts(builder, parts);
        // Last, so that they win over image-sync's own.
        return parts.Hocon is { } hocon ? builder.AddHocon(hocon, HoconAddMode.Prepend) : builder;
    }

    private static AkkaConfigurationBuilder AddParts(AkkaConfigurationBuilder builder, ImageSyncParts parts)
    {
        if (parts.Logging is { } logging) builder.ConfigureLoggers(loggers => logging(loggers));
        // Signals are image-sync's: a stop lets the running sync wrap up first; Akka must not tear itself down on one.
        builder.AddHocon("""
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.log-dead-letters = off
            akka.log-dead-letters-during-shutdown = off
            """, HoconAddMode.Prepend);
        if (parts.Journal is { } journal) builder.AddLogActor(journal);
        if (parts.History is { } history) builder.AddPullHistory(history, parts.HistoryStore, parts.Clock);
        if (parts.Watcher is { } watcher) builder.AddSyncEventListener("watcher", watcher);
        if (parts.Daemon is not { } daemon) return builder.AddSyncCoordinator(SyncCoordinator.Props(parts.Setup, parts.Gate, parts.Clock));

        var settings = parts.Setup.Current.Settings;
        builder.AddSyncEventListener("metrics", daemon.Metrics.Record);
        if (!settings.Cluster.Enabled) builder.AddSyncCoordinator(SyncCoordinator.Props(parts.Setup, parts.Gate, parts.Clock, daemon.Presence));
        else
        {
            var sharded = settings.Pull.ShardNodes;
            var coordinator = SyncCoordinator.Props(parts.Setup, parts.Gate, parts.Clock, daemon.Presence, asSingleton: true,
                sharded ? (holder, system) => new ShardedTransport(ActorRegistry.For(system).Get<NodeEntity>(), holder, ReplicaLosses.For(system)) : null);
            builder.AddReplicaCluster(settings.Cluster, daemon.ClusterTls, daemon.Presence, coordinator).AddMetricsGossip(daemon.Metrics);
            if (sharded) builder.AddNodeEntities(parts.Setup);
        }
        return builder.AddDaemonScheduler(parts.Setup);
    }
}
