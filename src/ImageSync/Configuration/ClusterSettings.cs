using System.Text.RegularExpressions;

namespace ImageSync.Configuration;

/// <summary>High availability: replicas form an Akka.Cluster and the coordinator runs as its singleton.</summary>
/// <param name="PublicHostname">The address other replicas reach this one at, when it differs from <paramref name="Hostname"/>.</param>
/// <param name="SeedNodes">
/// Every replica's address, this one's included, like <c>akka.tcp://image-sync@10.0.0.5:4053</c>; any order. Written
/// <c>akka.tcp://</c> or <c>akka.ssl.tcp://</c> alike: <see cref="Replicas"/> gives them the scheme <paramref name="Tls"/> makes.
/// </param>
public sealed partial record ClusterSettings(bool Enabled, string Hostname, int Port, string PublicHostname, IReadOnlyList<string> SeedNodes, FailoverTimings Failover, ClusterTlsSettings Tls)
{
    /// <summary>The actor system's name, the same in every process: replicas' addresses carry it, so they must share it.</summary>
    public const string SystemName = "image-sync";

    private const string Section = "image-sync.cluster";

    /// <summary>The scheme of the replicas' addresses: Akka's TLS transport has its own.</summary>
    public string Protocol => Tls.Enabled ? "akka.ssl.tcp" : "akka.tcp";

    /// <summary>The address this replica has in the cluster, as the other replicas list it.</summary>
    public string SelfAddress => $"{Protocol}://{SystemName}@{(PublicHostname.Length > 0 ? PublicHostname : Hostname)}:{Port}";

    /// <summary>Every replica's address, as <see cref="SeedNodes"/> lists them, in the scheme the replicas speak.</summary>
    public IReadOnlyList<string> Replicas => [.. SeedNodes.Select(seed => $"{Protocol}://{seed[(seed.IndexOf("://", StringComparison.Ordinal) + 3)..]}").Distinct()];

    /// <summary>How many replicas, this one included, must answer before a cluster forms: a majority of those listed.</summary>
    public int Majority => Replicas.Count / 2 + 1;

    /// <summary>Reads <c>image-sync.cluster</c>; what is wrong goes to the reader's problems.</summary>
    internal static ClusterSettings Create(ConfigReader reader, string home)
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
        var settings = new ClusterSettings(enabled, hostname, reader.Int($"{Section}.port", 1, 65_535), publicHostname, seeds, FailoverTimings.Create(reader, Section),
            ClusterTlsSettings.Create(reader, $"{Section}.tls", home));
        if (enabled && seeds.Count == 0)
            reader.Problem($"{Section}.seed-nodes", reader.Node($"{Section}.seed-nodes"), "a cluster needs its replicas listed (every replica, this one included)");
        else if (enabled && malformed.Count == 0 && !settings.Replicas.Contains(settings.SelfAddress))
            reader.Problem($"{Section}.seed-nodes", reader.Node($"{Section}.seed-nodes"),
                $"this replica's own address {settings.SelfAddress} is not listed: list every replica, this one included, as the others reach it (set public-hostname when that differs from hostname)");
        return settings;
    }

    // Replicas must share the actor system's name.
    [GeneratedRegex(@"^akka\.(ssl\.)?tcp://" + SystemName + @"@[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}\z", RegexOptions.CultureInvariant)]
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

/// <summary>
/// Mutual TLS between replicas: each presents <paramref name="Certificate"/> (PEM, with <paramref name="Key"/>) and
/// accepts only peers whose certificate chains to <paramref name="Ca"/>, not to the system's trust store. Off only when
/// the config says so: a cluster port without it admits any process that reaches it.
/// </summary>
/// <param name="Certificate">This replica's certificate, PEM; intermediates may follow it in the file.</param>
/// <param name="Key">Its private key, PEM (PKCS#8, PKCS#1 or SEC1), unencrypted, readable by the service alone.</param>
/// <param name="Ca">The certificate(s), PEM, that every replica's certificate chains to.</param>
public sealed record ClusterTlsSettings(bool Enabled, string Certificate, string Key, string Ca)
{
    internal static ClusterTlsSettings Create(ConfigReader reader, string section, string home) => new(
        reader.Switch($"{section}.enabled"),
        reader.Path($"{section}.certificate", home, allowEmpty: true),
        reader.Path($"{section}.key", home, allowEmpty: true),
        reader.Path($"{section}.ca", home, allowEmpty: true));

    /// <summary>The settings' keys that are empty; a replica with TLS on cannot start without them.</summary>
    public IReadOnlyList<string> Missing(string section = "image-sync.cluster.tls") =>
        [.. new[] { ("certificate", Certificate), ("key", Key), ("ca", Ca) }.Where(k => k.Item2.Length == 0).Select(k => $"{section}.{k.Item1}")];
}
