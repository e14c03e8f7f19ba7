using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Faults of real nodes that need no simulation. Whatever one node does, it is reported with a clear reason,
/// the other nodes still sync, the run ends in bounded time, and the exit code is 3.
/// </summary>
public sealed class NodeFaultSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";

    // The fleet's config: connect-timeout 5s; pull timeout 5s + kill-after 1s + watchdog-grace 2s.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PullWatchdog = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    private readonly TestFleet _fleet = new(nodes: 3);

    public NodeFaultSpecs()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api, Web);
    }

    [Fact]
    public void Should_report_connection_refused_when_sshd_is_stopped()
    {
        _fleet.Start();
        _fleet[3].Dispose();

        var run = RunExpectingNode3("connection refused by 127.0.0.1:", ConnectTimeout);

        Assert.Empty(_fleet[3].CrictlCalls);
    }

    [Fact]
    public void Should_give_up_after_the_connect_timeout_when_sshd_is_frozen()
    {
        _fleet.Start();
        _fleet[3].Freeze();

        RunExpectingNode3("no SSH session with 127.0.0.1:", ConnectTimeout);
    }

    [Fact]
    public async Task Should_time_out_the_pull_with_the_watchdog_when_the_node_freezes_during_it()
    {
        _fleet[3].PullLatency(TimeSpan.FromSeconds(3));
        _fleet.Start();
        using var running = _fleet.StartRun();
        await Eventually.TrueAsync("node-3 to start pulling", () => _fleet[3].CrictlCalls.Any(c => c.StartsWith("pull ", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        _fleet[3].Freeze();
        var run = running.Wait(PullWatchdog + Slack + Slack);

        Assert.True(run.ExitCode == 3, run.Output);
        var failed = string.Join("\n", _fleet.DayFile("failed_images"));
        Assert.Contains("TIMEOUT node-3 ", failed);
        Assert.Contains("(local watchdog)", failed);
        Assert.Equal([Api, Web], _fleet[2].Images);
    }

    [Fact]
    public void Should_report_authentication_failure_when_the_node_no_longer_accepts_the_key()
    {
        _fleet.Start();
        _fleet[3].RevokeClientKey();

        RunExpectingNode3("authentication failed for user 'root' with key", ConnectTimeout);
        Assert.Empty(_fleet[3].CrictlCalls);
    }

    [Fact]
    public void Should_report_malformed_output_when_crictl_prints_truncated_json()
    {
        _fleet[3].InventoryMode("truncated");
        _fleet.Start();

        RunExpectingNode3("malformed crictl images output: not valid JSON", TimeSpan.Zero);
    }

    [Fact]
    public void Should_report_crictls_error_when_it_cannot_list_images()
    {
        _fleet[3].InventoryMode("fail");
        _fleet.Start();

        RunExpectingNode3("images -o json` exited with code 1: ", TimeSpan.Zero);
    }

    [Fact]
    public void Should_give_up_after_the_command_timeout_when_crictl_never_answers()
    {
        _fleet[3].InventoryMode("hang");
        _fleet.Start();

        RunExpectingNode3("did not answer within 10s (command-timeout)", TimeSpan.FromSeconds(10));
    }

    /// <summary>Runs, and checks that node-3 was reported with the reason, the others synced, and it ended in time.</summary>
    private ProcessResult RunExpectingNode3(string reason, TimeSpan faultCosts)
    {
        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains(reason, Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-3 UNREACHABLE")));
        Assert.Equal([Api, Web], _fleet[2].Images);
        Assert.True(run.Elapsed < faultCosts + Slack, $"the run took {run.Elapsed}");
        return run;
    }

    public void Dispose() => _fleet.Dispose();
}
