using ImageSync.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Three <c>image-sync daemon</c> processes as cluster replicas over real sshd nodes, each with its own key, logs
/// and lock file, as on three machines: killed, frozen, and started in any order. The failover figures are
/// printed; the assertions on them leave generous slack (the machine is shared), the benchmark measures them.
/// </summary>
[Collection(AloneOnTheMachine.Name)]
public sealed class HighAvailabilitySpecs(ITestOutputHelper output) : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private static readonly TimeSpan Promised = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(15);
    private readonly TestFleet _fleet = new TestFleet(nodes: 2).Serving(Api);
    private DaemonReplicas _replicas = null!;

    [Fact]
    public async Task Should_start_a_sync_on_another_replica_soon_after_the_coordinator_is_killed_and_never_overlap()
    {
        StartReplicas(1, 2, 3);
        var coordinator = await FirstCoordinatorAsync();

        var killedAt = DateTimeOffset.Now;
        coordinator.Kill();

        var (successor, startedAt) = await NextSyncAfterAsync(killedAt, except: coordinator);
        output.WriteLine($"SIGKILL of {coordinator.Name}: {successor.Name} started a sync {(startedAt - killedAt).TotalSeconds:0.0} s later (promised <= {Promised.TotalSeconds} s)");
        Assert.True(startedAt - killedAt <= Promised + Slack, $"{successor.Name} took over {(startedAt - killedAt).TotalSeconds:0.0}s after the kill");
        Assert.True(await successor.ShowsAsync("SYNC COMPLETE", TimeSpan.FromSeconds(30), since: startedAt), "the successor's sync never completed");
        Assert.Empty(_replicas.OverlappingSyncs());
        Assert.Empty(_replicas.OverlappingSessions());
    }

    [Fact]
    public async Task Should_take_over_from_a_frozen_coordinator_which_then_syncs_no_more_and_exits_non_zero()
    {
        StartReplicas(1, 2, 3);
        var coordinator = await FirstCoordinatorAsync();

        var frozenAt = DateTimeOffset.Now;
        coordinator.Freeze();
        var (successor, startedAt) = await NextSyncAfterAsync(frozenAt, except: coordinator);
        output.WriteLine($"SIGSTOP of {coordinator.Name}: {successor.Name} started a sync {(startedAt - frozenAt).TotalSeconds:0.0} s later");
        Assert.True(startedAt - frozenAt <= Promised + Slack, $"{successor.Name} took over {(startedAt - frozenAt).TotalSeconds:0.0}s after the freeze");
        // A partition as the others see it lasts 30 s.
        await Task.Delay(frozenAt + TimeSpan.FromSeconds(30) - DateTimeOffset.Now);
        coordinator.Thaw();

        var exited = coordinator.WaitForExit(TimeSpan.FromSeconds(60));
        output.WriteLine($"{coordinator.Name} exited {exited.ExitCode} after the thaw");
        Assert.True(exited.ExitCode != 0, exited.Output);
        Assert.DoesNotContain(coordinator.Syncs, s => s.Start > frozenAt);
        Assert.Empty(_replicas.OverlappingSyncs());
    }

    [Fact]
    public async Task Should_form_the_cluster_without_the_first_replica_which_joins_it_later()
    {
        var startedAt = DateTimeOffset.Now;
        StartReplicas(2, 3);
        var (first, syncedAt) = await NextSyncAfterAsync(startedAt, except: _replicas[1]);
        output.WriteLine($"replicas 2 and 3 without 1: {first.Name} started a sync {(syncedAt - startedAt).TotalSeconds:0.0} s after they were started");

        var joinedAt = DateTimeOffset.Now;
        _replicas[1].Start();

        Assert.True(await _replicas[1].BecomesMemberAsync(TimeSpan.FromSeconds(60)), "replica 1 never became a member");
        Assert.Contains(_replicas[1].RunLog, l => l.Text.StartsWith("CLUSTER: joining the cluster of", StringComparison.Ordinal));
        Assert.DoesNotContain(_replicas[1].RunLog, l => l.Text.Contains("forming the cluster", StringComparison.Ordinal));
        Assert.True(await first.ShowsAsync($"CLUSTER: replica akka.ssl.tcp://image-sync@127.0.0.1:{_replicas[1].Port} joined", TimeSpan.FromSeconds(10), since: joinedAt),
            $"{first.Name} never saw replica 1 join");
        Assert.Empty(_replicas.OverlappingSyncs());
    }

    private void StartReplicas(params int[] numbers)
    {
        _fleet[1].Holding(Api);
        _fleet.Start("shutdown-grace = 1s");
        _replicas = new DaemonReplicas(_fleet, 3);
        foreach (var number in numbers) _replicas[number].Start();
    }

    /// <summary>The replica that ran the first complete sync, once every replica is a member of the cluster.</summary>
    private async Task<Replica> FirstCoordinatorAsync()
    {
        await Eventually.TrueAsync("a replica to complete a sync", () => _replicas.All.Any(r => r.Syncs.Any(s => s.End is not null)), TimeSpan.FromSeconds(90), seen: Logs);
        var late = await _replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(30));
        Assert.True(late is null, $"{late?.Name} never became a member");
        return _replicas.LastToSync!;
    }

    private async Task<(Replica Replica, DateTimeOffset At)> NextSyncAfterAsync(DateTimeOffset since, Replica except)
    {
        await Eventually.TrueAsync($"a replica but {except.Name} to start a sync", () => _replicas.FirstSyncAfter(since, except) is not null, TimeSpan.FromSeconds(90), seen: Logs);
        return _replicas.FirstSyncAfter(since, except)!.Value;
    }

    private string Logs() => _replicas.RunLogs();

    public void Dispose()
    {
        if (_replicas is not null)
        {
            output.WriteLine(Logs());
            _replicas.Dispose();
        }
        _fleet.Dispose();
    }
}
