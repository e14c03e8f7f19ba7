using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <param name="Canary">An image several nodes need is first pulled on one; a permanent failure there spares the others.</param>
/// <param name="Verify">After a node's pulls, its images are read again to confirm every successful pull.</param>
/// <param name="Disk">The disk guard and the backoff for images someone removed.</param>
/// <param name="ShardNodes">In a cluster, each node's session and pulls live on the replica that owns the node (<c>NodeEntity</c>).</param>
public sealed record PullSettings(
    TimeSpan Timeout,
    TimeSpan KillAfter,
    TimeSpan WatchdogGrace,
    int MaxParallel,
    int MaxPerNode,
    int Retries,
    TimeSpan RetryBackoff,
    bool Canary,
    bool Verify,
    DiskPolicy Disk,
    bool ShardNodes = true)
{
    private const string Section = "image-sync.pull";

    /// <summary>When the local watchdog gives up on a pull whose channel never answered.</summary>
    public TimeSpan Watchdog => Timeout + KillAfter + WatchdogGrace;

    /// <summary>Reads <c>image-sync.pull</c>; what is wrong goes to the reader's problems.</summary>
    internal static PullSettings Create(ConfigReader reader) => new(
        reader.Duration($"{Section}.timeout", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
        reader.Duration($"{Section}.kill-after", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
        reader.Duration($"{Section}.watchdog-grace", TimeSpan.Zero, TimeSpan.FromMinutes(10)),
        reader.Int($"{Section}.max-parallel", 1, 256),
        // sshd refuses an 11th session channel on one connection (MaxSessions 10 by default).
        reader.Int($"{Section}.max-per-node", 1, 10),
        reader.Int($"{Section}.retries", 0, 10),
        reader.Duration($"{Section}.retry-backoff", TimeSpan.Zero, TimeSpan.FromHours(1)),
        reader.Switch($"{Section}.canary"),
        reader.Switch($"{Section}.verify"),
        ReadDisk(reader),
        reader.Switch($"{Section}.shard-nodes"));

    /// <summary>Reads <c>image-sync.pull.disk</c>.</summary>
    private static DiskPolicy ReadDisk(ConfigReader reader)
    {
        const string disk = $"{Section}.disk";
        var backoff = reader.Duration($"{disk}.removed-backoff", TimeSpan.Zero, TimeSpan.FromDays(30));
        var max = reader.Duration($"{disk}.removed-backoff-max", TimeSpan.Zero, TimeSpan.FromDays(365));
        if (max < backoff)
            reader.Problem($"{disk}.removed-backoff-max", reader.Node($"{disk}.removed-backoff-max"), $"must be at least removed-backoff ({Durations.Show(backoff)})");
        return new DiskPolicy(
            reader.Percent($"{disk}.max-usage"),
            reader.Size($"{disk}.min-free", 0, 1L << 50),
            reader.DoubleOf($"{disk}.growth-factor", reader.Node($"{disk}.growth-factor"), 1, 10),
            reader.Choice<DiskOrder>($"{disk}.order"),
            backoff,
            max);
    }
}
