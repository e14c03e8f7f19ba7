using ImageSync.Domain;

namespace ImageSync.Configuration;

public enum TransportKind
{
    Ssh,
    Simulated,
}

public enum HostKeyChecking
{
    Strict,
    AcceptNew,
    Off,
}

/// <summary>The whole validated configuration. Only <see cref="SettingsLoader"/> builds one.</summary>
public sealed record ImageSyncSettings(
    TransportKind Transport,
    IReadOnlyList<NodeSpec> Nodes,
    SshSettings Ssh,
    ImageSettings Images,
    PullSettings Pull,
    LogSettings Logs,
    string LockFile,
    TimeSpan ShutdownGrace,
    DaemonSettings Daemon,
    ClusterSettings Cluster,
    SimulatedFleetSettings Simulated);

public sealed record SshSettings(
    string KeyFile,
    string KeyPassphraseFile,
    string KeyPassphraseEnv,
    string KnownHostsFile,
    HostKeyChecking HostKeyChecking,
    TimeSpan ConnectTimeout,
    TimeSpan KeepAlive,
    TimeSpan CommandTimeout,
    bool Sudo,
    string Crictl,
    IReadOnlyList<string> KexAlgorithms,
    int MaxConnecting);

public sealed record ImageSettings(IReadOnlyList<string> IncludePrefixes, IReadOnlyList<string> Exclude, bool IncludeUntagged, InventoryLimits Limits)
{
    public ImageFilter Filter => new(IncludePrefixes, Exclude);
}

/// <summary>The most a node's <c>crictl images</c> may print and list before the node is refused.</summary>
public sealed record InventoryLimits(long MaxBytes, int MaxImages)
{
    public static readonly InventoryLimits Default = new(64L << 20, 100_000);
}

/// <param name="Canary">An image several nodes need is first pulled on one; a permanent failure there spares the others.</param>
/// <param name="Verify">After a node's pulls, its images are read again to confirm every successful pull.</param>
public sealed record PullSettings(
    TimeSpan Timeout,
    TimeSpan KillAfter,
    TimeSpan WatchdogGrace,
    int MaxParallel,
    int MaxPerNode,
    int Retries,
    TimeSpan RetryBackoff,
    bool Canary = true,
    bool Verify = true)
{
    /// <summary>When the local watchdog gives up on a pull whose channel never answered.</summary>
    public TimeSpan Watchdog => Timeout + KillAfter + WatchdogGrace;
}

public sealed record LogSettings(string Dir, int RetentionDays);

public sealed record DaemonSettings(TimeSpan Interval, string Metrics);

/// <summary>High availability: replicas form an Akka.Cluster and the coordinator runs as its singleton.</summary>
/// <param name="PublicHostname">The address other replicas reach this one at, when it differs from <paramref name="Hostname"/>.</param>
/// <param name="SeedNodes">Addresses like <c>akka.tcp://image-sync@10.0.0.5:4053</c>.</param>
public sealed record ClusterSettings(bool Enabled, string Hostname, int Port, string PublicHostname, IReadOnlyList<string> SeedNodes);

/// <summary>One image a simulated node starts with.</summary>
public sealed record SimulatedImage(ImageRef Ref, long SizeBytes, string? Digest);

public sealed record SimulatedNodeSettings(
    IReadOnlyList<SimulatedImage> Images,
    TimeSpan PullLatency,
    IReadOnlyList<ImageRef> Failing,
    IReadOnlyList<ImageRef> Hanging,
    SimulatedFaults Faults)
{
    public static readonly SimulatedNodeSettings Empty = new([], TimeSpan.Zero, [], [], SimulatedFaults.None);
}

/// <param name="Seed">Seeds the fleet's dice (flaky pulls), so a simulated run can be replayed.</param>
public sealed record SimulatedFleetSettings(IReadOnlyDictionary<NodeName, SimulatedNodeSettings> Nodes, int Seed = 1);

public enum ConnectFault
{
    None,
    Refused,
    Hang,
    AuthRejected,
    HostKeyMismatch,
}

public enum CheckFault
{
    None,
    Hang,
    Fail,
}

public enum InventoryFault
{
    None,
    Malformed,
    Fail,
    Hang,
}

/// <summary>How a simulated node misbehaves: every way a node, a link or a registry fails an operator.</summary>
/// <param name="PullFailureProbability">Each pull fails (transiently) with this probability.</param>
/// <param name="PullFailsFirst">The first this many pulls of each image fail (transiently).</param>
/// <param name="DropDuringPull">Pulls lose the connection half-way through.</param>
/// <param name="UnreachableAfterInventory">After listing its images the node is gone: every pull finds the connection dropped.</param>
public sealed record SimulatedFaults(
    ConnectFault Connect = ConnectFault.None,
    CheckFault Check = CheckFault.None,
    InventoryFault Inventory = InventoryFault.None,
    double PullFailureProbability = 0,
    int PullFailsFirst = 0,
    bool DropDuringPull = false,
    bool UnreachableAfterInventory = false)
{
    public static readonly SimulatedFaults None = new();
}
