using System.Text.RegularExpressions;

namespace ImageSync.Configuration;

/// <summary>High availability: replicas form an Akka.Cluster and the coordinator runs as its singleton.</summary>
/// <param name="PublicHostname">The address other replicas reach this one at, when it differs from <paramref name="Hostname"/>.</param>
/// <param name="SeedNodes">Every replica's address, this one's included, like <c>akka.tcp://image-sync@10.0.0.5:4053</c>; any order.</param>
public sealed partial record ClusterSettings(bool Enabled, string Hostname, int Port, string PublicHostname, IReadOnlyList<string> SeedNodes, FailoverTimings Failover)
{
    /// <summary>The actor system's name, the same in every process: replicas' addresses carry it, so they must share it.</summary>
    public const string SystemName = "image-sync";

    private const string Section = "image-sync.cluster";

    /// <summary>The address this replica has in the cluster, as the other replicas list it.</summary>
    public string SelfAddress => $"akka.tcp://{SystemName}@{(PublicHostname.Length > 0 ? PublicHostname : Hostname)}:{Port}";

    /// <summary>How many replicas, this one included, must answer before a cluster forms: a majority of those listed.</summary>
    public int Majority => SeedNodes.Distinct().Count() / 2 + 1;

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
        var malformed = seeds.Select((s, i) => (s, i)).Where(s => !SeedPattern().IsMatch(s.s)).ToList();
        foreach (var (seed, i) in malformed)
            reader.Problem($"{Section}.seed-nodes[{i}]", reader.Node($"{Section}.seed-nodes"), $"'{seed}' is not an address like akka.tcp://{SystemName}@10.0.0.5:4053");
        var settings = new ClusterSettings(enabled, hostname, reader.Int($"{Section}.port", 1, 65_535), publicHostname, seeds, FailoverTimings.Create(reader, Section));
        if (enabled && seeds.Count == 0)
            reader.Problem($"{Section}.seed-nodes", reader.Node($"{Section}.seed-nodes"), "a cluster needs its replicas listed (every replica, this one included)");
        else if (enabled && malformed.Count == 0 && !seeds.Contains(settings.SelfAddress))
            reader.Problem($"{Section}.seed-nodes", reader.Node($"{Section}.seed-nodes"),
                $"this replica's own address {settings.SelfAddress} is not listed: list every replica, this one included, as the others reach it (set public-hostname when that differs from hostname)");
        return settings;
    }

    // Replicas must share the actor system's name.
    [GeneratedRegex(@"^akka\.tcp://" + SystemName + @"@[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SeedPattern();
}

/// <summary>
/// How fast a crashed coordinator is replaced, against how long a pause is survived without a failover. A replica
/// silent for longer than <paramref name="AcceptableHeartbeatPause"/> is unreachable; once the reachability of every
/// replica has stayed the same for <paramref name="StableAfter"/>, the split-brain resolver downs the minority side;
/// the singleton starts on a survivor <paramref name="DownRemovalMargin"/> after the downed replica is removed.
/// </summary>
public sealed record FailoverTimings(TimeSpan HeartbeatInterval, TimeSpan AcceptableHeartbeatPause, TimeSpan StableAfter, TimeSpan DownRemovalMargin)
{
    internal static FailoverTimings Create(ConfigReader reader, string section) => new(
        reader.Duration($"{section}.failure-detector.heartbeat-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30)),
        reader.Duration($"{section}.failure-detector.acceptable-heartbeat-pause", TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(10)),
        reader.Duration($"{section}.stable-after", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
        // Never 0: a downed replica needs a moment to stop its sync before the singleton starts one elsewhere.
        reader.Duration($"{section}.down-removal-margin", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)));
}
