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
    string Crictl);

public sealed record ImageSettings(IReadOnlyList<string> IncludePrefixes, IReadOnlyList<string> Exclude, bool IncludeUntagged)
{
    public ImageFilter Filter => new(IncludePrefixes, Exclude);
}

public sealed record PullSettings(
    TimeSpan Timeout,
    TimeSpan KillAfter,
    TimeSpan WatchdogGrace,
    int MaxParallel,
    int MaxPerNode,
    int Retries,
    TimeSpan RetryBackoff)
{
    /// <summary>When the local watchdog gives up on a pull whose channel never answered.</summary>
    public TimeSpan Watchdog => Timeout + KillAfter + WatchdogGrace;
}

public sealed record LogSettings(string Dir, int RetentionDays);

public sealed record DaemonSettings(TimeSpan Interval, string Metrics);

/// <summary>One image a simulated node starts with.</summary>
public sealed record SimulatedImage(ImageRef Ref, long SizeBytes, string? Digest);

public sealed record SimulatedNodeSettings(
    IReadOnlyList<SimulatedImage> Images,
    TimeSpan PullLatency,
    IReadOnlyList<ImageRef> Failing,
    IReadOnlyList<ImageRef> Hanging);

public sealed record SimulatedFleetSettings(IReadOnlyDictionary<NodeName, SimulatedNodeSettings> Nodes);
