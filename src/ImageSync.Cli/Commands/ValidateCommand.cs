using ImageSync.Cluster;
using ImageSync.Configuration;
using ImageSync.Nodes;
using ImageSync.Nodes.Ssh.Trust;

namespace ImageSync.Cli.Commands;

/// <summary>
/// <c>image-sync validate</c>: the config as a run would load it, and the files it names that a run reads before
/// connecting (the key file, the ssh-agent with <c>ssh.agent = on</c>, known_hosts, a replica's TLS files), without contacting any node:
/// for CI and for config management's <c>validate=</c> hooks. Exit 0 and one line, or 2 and every problem.
/// </summary>
internal sealed class ValidateCommand(TextWriter errors) : ConfiguredCommand<ConfigOptions>(errors)
{
    protected override async Task<int> ExecuteAsync(ConfigOptions options, string configPath, ImageSyncSettings settings)
    {
        await Console.Out.WriteLineAsync(Validate(settings, Environment.GetEnvironmentVariable));
        return ExitCodes.Ok;
    }

    /// <returns>"config OK: …", what the config holds.</returns>
    /// <exception cref="ConfigException">The key file, the agent or known_hosts cannot be used.</exception>
    public static string Validate(ImageSyncSettings settings, Func<string, string?> environment)
    {
        if (settings.Transport == TransportKind.Ssh) CheckSsh(settings, environment);
        var cluster = ClusterTls(settings.Cluster) is { } tls ? $"; {tls}" : "";
        var nodes = $"{settings.Nodes.Count} nodes" + (settings.NodesFromKubernetes.Enabled ? " and those nodes-from.kubernetes lists (not asked)" : "");
        var ssh = settings.Transport == TransportKind.Ssh
            ? $", key {(settings.Ssh.Agent ? $"{settings.Ssh.KeyFile} and ssh-agent" : settings.Ssh.KeyFile)}, known_hosts {settings.Ssh.KnownHostsFile} ({ConfigNames.Of(settings.Ssh.HostKeyChecking)})"
            : ", simulated transport";
        return $"config OK: {nodes}, {settings.Images.Wanted.Count} wanted images{ssh}{cluster}; no node was contacted";
    }

    /// <summary>The cluster's TLS files as a replica would load them: what it presents and for how long; null without a cluster.</summary>
    /// <exception cref="ConfigException">A file is missing, unreadable, mismatched, expired or does not chain to the CA.</exception>
    public static string? ClusterTls(ClusterSettings cluster)
    {
        if (!cluster.Enabled) return null;
        if (!cluster.Tls.Enabled) return "cluster TLS off (any process that reaches the cluster port can join)";
        try
        {
            return $"cluster TLS: {ReplicaTls.Load(cluster.Tls, TimeProvider.System).Own.Describe(TimeProvider.System)}, chains to {cluster.Tls.Ca}";
        }
        catch (ClusterTlsException e)
        {
            throw new ConfigException(e.Problems);
        }
    }

    private static void CheckSsh(ImageSyncSettings settings, Func<string, string?> environment)
    {
        var knownHosts = settings.Ssh.KnownHostsFile;
        if (!File.Exists(knownHosts) && settings.Ssh.HostKeyChecking == HostKeyChecking.Strict)
        {
            throw new ConfigException([$"image-sync.ssh.known-hosts-file: '{knownHosts}' does not exist, so with host-key-checking = strict every node would be refused "
                + "(add their keys with ssh-keyscan, or use accept-new to trust each on first use)"]);
        }
        try
        {
            KnownHosts.Load(knownHosts);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"image-sync.ssh.known-hosts-file: cannot read '{knownHosts}': {e.Message}"]);
        }
        // Loads the key file (and asks the agent for its keys) exactly as a run does before its first connection.
        using var transport = NodeTransports.Create(settings, environment, _ => { }) as IDisposable;
    }
}
