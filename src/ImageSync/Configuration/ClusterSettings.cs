using System.Text.RegularExpressions;
using ImageSync.Hosting;

namespace ImageSync.Configuration;

/// <summary>High availability: replicas form an Akka.Cluster and the coordinator runs as its singleton.</summary>
/// <param name="PublicHostname">The address other replicas reach this one at, when it differs from <paramref name="Hostname"/>.</param>
/// <param name="SeedNodes">Addresses like <c>akka.tcp://image-sync@10.0.0.5:4053</c>.</param>
public sealed partial record ClusterSettings(bool Enabled, string Hostname, int Port, string PublicHostname, IReadOnlyList<string> SeedNodes)
{
    private const string Section = "image-sync.cluster";

    /// <summary>Reads <c>image-sync.cluster</c>; what is wrong goes to the reader's problems.</summary>
    internal static ClusterSettings Create(ConfigReader reader)
    {
        var enabled = reader.Switch($"{Section}.enabled");
        var hostname = reader.String($"{Section}.hostname");
        if (!ConfigReader.IsHost(hostname)) reader.Problem($"{Section}.hostname", reader.Node($"{Section}.hostname"), $"'{hostname}' is not a host name or IP address");
        var publicHostname = reader.String($"{Section}.public-hostname");
        if (publicHostname.Length > 0 && !ConfigReader.IsHost(publicHostname))
            reader.Problem($"{Section}.public-hostname", reader.Node($"{Section}.public-hostname"), $"'{publicHostname}' is not a host name or IP address");
        var seeds = reader.StringList($"{Section}.seed-nodes");
        foreach (var (seed, i) in seeds.Select((s, i) => (s, i)).Where(s => !SeedPattern().IsMatch(s.s)))
            reader.Problem($"{Section}.seed-nodes[{i}]", reader.Node($"{Section}.seed-nodes"), $"'{seed}' is not an address like akka.tcp://{ImageSyncHosting.SystemName}@10.0.0.5:4053");
        if (enabled && seeds.Count == 0)
            reader.Problem($"{Section}.seed-nodes", reader.Node($"{Section}.seed-nodes"), "a cluster needs at least one seed node (list every replica)");
        return new ClusterSettings(enabled, hostname, reader.Int($"{Section}.port", 0, 65_535), publicHostname, seeds);
    }

    // Replicas must share the actor system's name.
    [GeneratedRegex(@"^akka\.tcp://" + ImageSyncHosting.SystemName + @"@[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SeedPattern();
}
