using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Failover: three published <c>image-sync daemon</c> processes as cluster replicas over 2 loopback sshd nodes. Each
/// round SIGKILLs the replica that ran the latest sync and times, from the kill, the survivors' run-log lines: the
/// dead replica unreachable, downed, removed, and the next SYNC STARTED. The killed replica is started again (as
/// systemd would) and the next round waits until it is a member. The floor is what the cluster timings add up to.
/// </summary>
internal static class FailoverBench
{
    private const string Api = TestFleet.Prefix + "api:1";

    public static async Task RunAsync(int kills)
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        fleet[1].Holding(Api);
        fleet.Start("shutdown-grace = 1s");
        using var replicas = new DaemonReplicas(fleet, 3);
        foreach (var replica in replicas.All) replica.Start();
        if (!SpinWait.SpinUntil(() => replicas.All.Any(r => r.Syncs.Any(s => s.End is not null)), TimeSpan.FromSeconds(120)))
            throw new TimeoutException("the replicas never completed a sync");
        if (await replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(60)) is { } late) throw new TimeoutException($"{late.Name} never became a member");

        var rounds = new List<Round>();
        for (var i = 0; i < kills; i++)
        {
            var victim = replicas.LastToSync!;
            var killedAt = DateTimeOffset.Now;
            victim.Kill();
            var address = $"127.0.0.1:{victim.Port}";
            if (!SpinWait.SpinUntil(() => replicas.FirstSyncAfter(killedAt, victim) is not null, TimeSpan.FromSeconds(90)))
                throw new TimeoutException($"no replica took over within 90 s of the kill of {victim.Name}");
            var (successor, startedAt) = replicas.FirstSyncAfter(killedAt, victim)!.Value;
            double Seen(string text) => successor.RunLog.Where(l => l.At > killedAt && l.Text.Contains(text, StringComparison.Ordinal))
                .Select(l => (l.At - killedAt).TotalSeconds).DefaultIfEmpty(double.NaN).First();
            var round = new Round(Seen($"{address} is unreachable"), Seen($"{address} was downed"), Seen($"{address} left the cluster"), (startedAt - killedAt).TotalSeconds);
            rounds.Add(round);
            Console.WriteLine($"failover: kill {i + 1} of {victim.Name}: unreachable +{round.Unreachable:0.0} s, downed +{round.Downed:0.0} s, removed +{round.Removed:0.0} s, {successor.Name} SYNC STARTED +{round.SyncStarted:0.0} s");

            var restartedAt = DateTimeOffset.Now;
            victim.Start();
            if (!await victim.BecomesMemberAsync(TimeSpan.FromSeconds(90), since: restartedAt))
                throw new TimeoutException($"{victim.Name} did not rejoin within 90 s of its restart");
        }

        Console.WriteLine($"failover: SIGKILL of the coordinator to the next SYNC STARTED on another replica: median {Harness.Median(rounds.Select(r => r.SyncStarted)):0.0} s of {kills} "
            + $"[{string.Join(", ", rounds.Select(r => r.SyncStarted.ToString("0.0")))}] (target <= 15 s); "
            + $"floor from the timings: acceptable-heartbeat-pause 3 s + stable-after 3 s + down-removal-margin 1 s = 7 s");
        Console.WriteLine($"failover: medians from the kill: unreachable {Harness.Median(rounds.Select(r => r.Unreachable)):0.0} s, downed {Harness.Median(rounds.Select(r => r.Downed)):0.0} s, "
            + $"removed {Harness.Median(rounds.Select(r => r.Removed)):0.0} s");
        var overlaps = replicas.OverlappingSyncs().Concat(replicas.OverlappingSessions()).ToList();
        Console.WriteLine($"failover: overlapping syncs or sessions over all kills: {overlaps.Count}{string.Concat(overlaps.Select(o => "\n  " + o))}");
    }

    /// <summary>
    /// A pair: keep-majority breaks the tie by the lower address. Times, from a SIGKILL of the higher-address replica,
    /// the next sync on the lower; then, from a SIGKILL of the lower, the higher one's exit, and checks it synced no more.
    /// </summary>
    public static async Task RunPairAsync()
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        fleet[1].Holding(Api);
        fleet.Start("shutdown-grace = 1s");
        using var replicas = new DaemonReplicas(fleet, 2);
        foreach (var replica in replicas.All) replica.Start();
        if (await replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(120)) is { } late) throw new TimeoutException($"{late.Name} never became a member");
        var (lower, higher) = replicas[1].Port < replicas[2].Port ? (replicas[1], replicas[2]) : (replicas[2], replicas[1]);
        var coordinatorBefore = replicas.LastToSync?.Name ?? "none yet";

        var killedAt = DateTimeOffset.Now;
        higher.Kill();
        if (!SpinWait.SpinUntil(() => lower.Syncs.Any(s => s.Start > killedAt), TimeSpan.FromSeconds(90)))
            throw new TimeoutException($"{lower.Name} synced no more after the kill of {higher.Name}");
        Console.WriteLine($"failover (pair): SIGKILL of the higher-address replica ({higher.Name}; the coordinator was {coordinatorBefore}): "
            + $"{lower.Name} started its next sync +{(lower.Syncs.First(s => s.Start > killedAt).Start - killedAt).TotalSeconds:0.0} s after (its ticks come every 10 s)");

        higher.Start();
        if (!await higher.BecomesMemberAsync(TimeSpan.FromSeconds(90), since: killedAt))
            throw new TimeoutException($"{higher.Name} did not rejoin");
        killedAt = DateTimeOffset.Now;
        lower.Kill();
        var exit = higher.WaitForExit(TimeSpan.FromSeconds(90));
        var exitedAt = DateTimeOffset.Now;
        Console.WriteLine($"failover (pair): SIGKILL of the lower-address replica ({lower.Name}): {higher.Name} left the cluster and exited {exit.ExitCode} "
            + $"+{(exitedAt - killedAt).TotalSeconds:0.0} s after; syncs it started after the kill: {higher.Syncs.Count(s => s.Start > killedAt)}");
    }

    /// <summary>
    /// Bootstrap: three replicas started at once, each run on a fresh fleet and fresh replicas; times, from the start,
    /// the first replica to be a member (the cluster formed), the last one, and the first SYNC STARTED.
    /// </summary>
    public static async Task RunBootstrapAsync(int runs)
    {
        var formed = new List<double>();
        var allMembers = new List<double>();
        var firstSync = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            using var fleet = new TestFleet(nodes: 2).Serving(Api);
            fleet[1].Holding(Api);
            fleet.Start("shutdown-grace = 1s");
            using var replicas = new DaemonReplicas(fleet, 3);
            var startedAt = DateTimeOffset.Now;
            foreach (var replica in replicas.All) replica.Start();
            if (await replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(120)) is { } late) throw new TimeoutException($"{late.Name} never became a member");
            if (!SpinWait.SpinUntil(() => replicas.All.Any(r => r.Syncs.Count > 0), TimeSpan.FromSeconds(60))) throw new TimeoutException("no sync started");
            var members = replicas.All.Select(r => (r.RunLog.First(l => l.Text.StartsWith("CLUSTER: this replica is a member", StringComparison.Ordinal)).At - startedAt).TotalSeconds).ToList();
            formed.Add(members.Min());
            allMembers.Add(members.Max());
            firstSync.Add(replicas.All.Where(r => r.Syncs.Count > 0).Min(r => (r.Syncs[0].Start - startedAt).TotalSeconds));
            Console.WriteLine($"bootstrap: run {i + 1}: first member +{formed[^1]:0.0} s, all three +{allMembers[^1]:0.0} s, first SYNC STARTED +{firstSync[^1]:0.0} s");
        }
        Console.WriteLine($"bootstrap: 3 daemons started at once, medians of {runs}: first member {Harness.Median(formed):0.0} s, all three members {Harness.Median(allMembers):0.0} s, "
            + $"first SYNC STARTED {Harness.Median(firstSync):0.0} s [{string.Join(", ", firstSync.Select(s => s.ToString("0.0")))}]");
    }

    private sealed record Round(double Unreachable, double Downed, double Removed, double SyncStarted);
}
