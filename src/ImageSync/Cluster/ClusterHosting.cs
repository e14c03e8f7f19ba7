using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using ImageSync.Actors;
using ImageSync.Daemon;
using ClusterSettings = ImageSync.Configuration.ClusterSettings;

namespace ImageSync.Cluster;

public static class ClusterHosting
{
    /// <summary>
    /// Replicas form a cluster; the coordinator is its singleton (callers reach it through the proxy), so
    /// syncs run on exactly one replica. A split brain keeps the majority side. A replica that leaves first
    /// lets its running sync stop gracefully (the termination message). No seed nodes: the replicas find each
    /// other (<see cref="ReplicaMembership"/>), in any order.
    /// </summary>
    /// <param name="tls">The replica's certificate and its check of peers; null only with <c>cluster.tls.enabled = off</c>.</param>
    public static AkkaConfigurationBuilder AddReplicaCluster(this AkkaConfigurationBuilder builder, ClusterSettings cluster, ReplicaTls? tls, CoordinatorPresence presence, Props coordinator)
    {
        if (cluster.Tls.Enabled && tls is null) throw new ArgumentException("a cluster with TLS on needs the replica's certificate", nameof(tls));
        var failover = cluster.Failover;
        // No Hosting option exists for these. The resolver's timer and the singleton's margin make up most of a
        // failover. Peers coming and going are worded once by ReplicaMembership, not by remoting and the proxy.
        builder.AddHocon($"""
            akka.cluster.split-brain-resolver.stable-after = {(long)failover.StableAfter.TotalMilliseconds}ms
            akka.cluster.down-removal-margin = {(long)failover.DownRemovalMargin.TotalMilliseconds}ms
            akka.remote.log-remote-lifecycle-events = off
            akka.cluster.singleton-proxy.log-singleton-identification-failure = off
            """, HoconAddMode.Prepend);
        RefuseForeignFormats(builder);
        if (tls is not null) builder.WithActors((system, _) => tls.LogTo(system));
        return builder
            .WithRemoting(Remoting(cluster, tls))
            .WithClustering(new ClusterOptions
            {
                SplitBrainResolver = new KeepMajorityOption(),
                FailureDetector = new PhiAccrualFailureDetectorOptions
                {
                    HeartbeatInterval = failover.HeartbeatInterval,
                    AcceptableHeartbeatPause = failover.AcceptableHeartbeatPause,
                },
            })
            .WithCustomSerializer("image-sync-replicas", ReplicaMessageSerializer.Types, system => new ReplicaMessageSerializer(system))
            .AddReplicaMembership(cluster, presence)
            .WithSingleton<SyncCoordinator>("sync-coordinator", coordinator,
                new ClusterSingletonOptions { TerminationMessage = SyncCommands.Shutdown.Instance }, createProxyToo: true);
    }

    /// <summary>
    /// The cluster port, with mutual TLS when it is on: each side presents its certificate and checks the other's
    /// against the CA (<see cref="ReplicaTls.AcceptPeer"/>), in place of Akka's check against the system's trust store.
    /// </summary>
    private static RemoteOptions Remoting(ClusterSettings cluster, ReplicaTls? tls) => new()
    {
        HostName = cluster.Hostname,
        Port = cluster.Port,
        PublicHostName = cluster.PublicHostname.Length > 0 ? cluster.PublicHostname : null,
        EnableSsl = tls is not null,
        Ssl = tls is null ? new SslOptions() : new SslOptions
        {
            X509Certificate = tls.Own.Certificate,
            RequireMutualAuthentication = true,
            SuppressValidation = false,
            CustomValidator = tls.AcceptPeer,
        },
    };

    /// <summary>
    /// What the cluster port reads: image-sync's messages (<see cref="ReplicaMessageSerializer"/>) and Akka's own cluster
    /// formats. The formats that would build a type the message names (Akka's default JSON with .NET type names,
    /// protobuf by type name, remote deployment) are replaced by refusals, and a message bound to none fails where it
    /// is sent instead of falling back to JSON.
    /// </summary>
    private static void RefuseForeignFormats(AkkaConfigurationBuilder builder) =>
        builder.AddHocon($"""
            akka.actor.serializers.json = "{typeof(RefusedTypeNamedJson).AssemblyQualifiedName}"
            akka.actor.serializers.proto = "{typeof(RefusedTypeNamedProtobuf).AssemblyQualifiedName}"
            akka.actor.serializers.daemon-create = "{typeof(RefusedRemoteDeployment).AssemblyQualifiedName}"
            akka.actor.serialization-settings.allow-unregistered-types = off
            """, HoconAddMode.Prepend);
}
