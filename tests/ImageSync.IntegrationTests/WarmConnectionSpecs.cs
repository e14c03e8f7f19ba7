using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// A daemon keeps its SSH connections from one sync to the next (ssh.keep-connections): a steady sync makes no
/// login, and a node that changed between two syncs ends the second one exactly as a fresh connection would.
/// </summary>
public sealed class WarmConnectionSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";
    // The shortest interval the loader takes: three syncs in about 20 s.
    private static readonly TimeSpan SyncWithin = TimeSpan.FromSeconds(60);
    private readonly TestFleet _fleet = new(nodes: 2);

    [Fact]
    public async Task Should_make_no_new_login_in_the_second_and_third_syncs_when_nothing_changed_on_the_nodes()
    {
        using var daemon = await DaemonPastItsFirstSyncAsync();

        await WaitForSyncsAsync(3);

        Assert.Equal([1, 1], _fleet.Nodes.Select(n => n.Logins));
        Assert.Equal([Api, Web], _fleet[2].Images);
        Stop(daemon);
    }

    [Fact]
    public async Task Should_reconnect_at_the_next_sync_when_the_nodes_sshd_restarted_between_syncs()
    {
        using var daemon = await DaemonPastItsFirstSyncAsync();

        _fleet[2].Restart();
        await WaitForSyncsAsync(2);

        Assert.Equal(2, _fleet[2].Logins);
        Assert.Equal([Api, Web], _fleet[2].Images);
        Assert.DoesNotContain(_fleet.DayFile("image-sync"), l => l.Contains("UNREACHABLE:"));
        Stop(daemon);
    }

    [Fact]
    public async Task Should_refuse_the_node_naming_both_fingerprints_when_its_host_key_changed_between_syncs()
    {
        var known = "";

        var refusal = await ReasonAtTheNextSyncAsync(node =>
        {
            known = node.HostKeyFingerprint();
            node.ChangeHostKey();
            node.Restart();
        });

        Assert.Contains("host key verification failed: the key of [127.0.0.1]:", refusal);
        Assert.Contains($"has CHANGED: expected {known}, offered {_fleet[2].HostKeyFingerprint()}", refusal);
        Assert.Equal(1, _fleet[2].Logins);
    }

    [Fact]
    public async Task Should_report_the_node_unreachable_as_a_fresh_connect_would_when_its_link_was_cut_between_syncs()
    {
        var refusal = await ReasonAtTheNextSyncAsync(node => node.Kill());

        Assert.Contains($"connection refused by 127.0.0.1:{_fleet[2].Port} (is sshd running?)", refusal);
    }

    [Fact]
    public async Task Should_give_up_on_a_frozen_node_within_the_timeouts_of_a_fresh_connect_when_it_froze_between_syncs()
    {
        // The kept connection's `echo ok` meets command-timeout (10s), then the fresh connect connect-timeout (5s).
        var refusal = await ReasonAtTheNextSyncAsync(node => node.Freeze());

        Assert.Contains($"no SSH session with 127.0.0.1:{_fleet[2].Port} within 5s (connect-timeout)", refusal);
    }

    /// <summary>Lets the daemon sync once, does something to node-2, and returns why the next sync found node-2 unreachable.</summary>
    private async Task<string> ReasonAtTheNextSyncAsync(Action<SshdNode> change)
    {
        using var daemon = StartDaemon();
        await WaitForSyncsAsync(1);

        change(_fleet[2]);
        await WaitForSyncsAsync(2);

        var reason = Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-2 UNREACHABLE"));
        Stop(daemon);
        return reason;
    }

    /// <summary>The first sync pulled api to node-2; then node-1 gets web, for the next sync to pull through node-2's kept connection.</summary>
    private async Task<RunningProcess> DaemonPastItsFirstSyncAsync()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api);
        var daemon = StartDaemon();
        await WaitForSyncsAsync(1);
        _fleet[1].Holding(Web);
        return daemon;
    }

    private RunningProcess StartDaemon()
    {
        _fleet.Start("daemon.interval = 10s\nshutdown-grace = 1s");
        return _fleet.StartDaemon();
    }

    private Task WaitForSyncsAsync(int count) =>
        Eventually.TrueAsync($"sync {count} to complete", () => _fleet.DayFile("image-sync").Count(l => l.Contains("SYNC COMPLETE")) >= count, SyncWithin,
            seen: () => string.Join('\n', _fleet.DayFile("image-sync")));

    private static void Stop(RunningProcess daemon)
    {
        daemon.Signal("TERM");
        var stopped = daemon.Wait(TimeSpan.FromSeconds(30));
        Assert.True(stopped.ExitCode == 0, stopped.Output);
    }

    public void Dispose() => _fleet.Dispose();
}
