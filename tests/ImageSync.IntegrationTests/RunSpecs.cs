using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>The published CLI against three real sshd nodes, as cron would run it.</summary>
public sealed class RunSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1.4.2";
    private const string Web = TestFleet.Prefix + "web:2.0.1";
    private const string Worker = TestFleet.Prefix + "worker:3.1.0";
    private const string Outside = "docker.io/library/busybox:1.36";

    private readonly TestFleet _fleet = new(nodes: 3);

    [Fact]
    public void Should_give_every_node_every_matching_image_and_exit_0_when_all_pulls_succeed()
    {
        _fleet.Serving(Api, Web, Worker, Outside);
        _fleet[1].Holding(Api, Outside);
        _fleet[2].Holding(Web);
        _fleet[3].Holding(Api, Worker);
        _fleet.Start();

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Outside, Api, Web, Worker], _fleet[1].Images);
        Assert.Equal([Api, Web, Worker], _fleet[2].Images);
        Assert.Equal([Api, Web, Worker], _fleet[3].Images);
        var succeeded = _fleet.DayFile("success_images");
        Assert.Equal(5, succeeded.Count);
        Assert.Contains(succeeded, l => l.EndsWith($" SUCCESS node-2 {Worker}"));
        Assert.Empty(_fleet.DayFile("failed_images"));
        var runLog = string.Join("\n", _fleet.DayFile("image-sync"));
        Assert.Contains("SYNC STARTED: 3 nodes (node-1, node-2, node-3)", runLog);
        Assert.Contains("SUMMARY: 5 succeeded, 0 failed, 0 timed out, 0 skipped; 0 of 3 nodes unreachable", runLog);
        Assert.Contains("SYNC COMPLETE", runLog);
        // One SSH connection per node, reused for the check, the image lists and every pull.
        Assert.All(_fleet.Nodes, n => Assert.Equal(1, n.Logins));
    }

    [Fact]
    public void Should_send_exactly_the_bash_tools_remote_commands()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start();

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(["images -o json"], _fleet[1].ImageCalls);
        // The second listing verifies that the pulled image is really there.
        Assert.Equal(["images -o json", $"pull {Api}", "images -o json"], _fleet[2].ImageCalls);
        // The node's facts ride with `echo ok`: one crictl call per node and run.
        Assert.All(_fleet.Nodes, n => Assert.Equal(1, n.CrictlCalls.Count(c => c == "imagefsinfo -o json")));
    }

    [Fact]
    public void Should_log_FAILED_with_crictls_reason_and_exit_3_when_a_pull_fails()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api, Web);
        _fleet[2].Failing(Web);
        _fleet.Start();

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        var failed = Assert.Single(_fleet.DayFile("failed_images"));
        Assert.Contains($" FAILED node-2 {Web} NotFound: failed to pull and unpack image", failed);
        Assert.EndsWith("(after 1 attempt)", failed);
        Assert.Equal(3, _fleet.DayFile("success_images").Count);
        Assert.Equal([Api, Web], _fleet[3].Images);
    }

    [Fact]
    public void Should_log_TIMEOUT_when_the_remote_timeout_ends_a_hanging_pull()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api, Web);
        _fleet[2].Hanging(Web);
        _fleet.Start("pull.timeout = 2s");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains($" TIMEOUT node-2 {Web} remote timeout: no pull within 2s (exit 124) (after 1 attempt)", Assert.Single(_fleet.DayFile("failed_images")));
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(20), $"took {run.Elapsed}");
    }

    [Fact]
    public void Should_exit_2_with_the_usage_and_nothing_on_stdout_when_the_arguments_are_wrong()
    {
        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--bogus");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("image-sync: run does not take '--bogus' (see image-sync run --help)", run.Stderr);
        Assert.Contains("usage: image-sync <command> [options]", run.Stderr);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task Should_exit_1_at_once_and_touch_no_node_when_another_run_holds_the_lock()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].PullLatency(TimeSpan.FromSeconds(4));
        _fleet[3].PullLatency(TimeSpan.FromSeconds(4));
        _fleet.Start();
        using var first = _fleet.StartRun();
        await Eventually.TrueAsync("the first run to start pulling", () => _fleet.Nodes.Any(n => n.CrictlCalls.Contains($"pull {Api}")), TimeSpan.FromSeconds(30));

        var second = _fleet.Run();

        Assert.Equal(1, second.ExitCode);
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(5), $"the second run took {second.Elapsed}");
        Assert.Contains("another image-sync run holds the lock", second.Output);
        Assert.Equal(0, first.Wait(TimeSpan.FromSeconds(60)).ExitCode);
        // Exactly the first run's commands: a listing on node-1, a listing, a pull and a verifying listing on the others.
        Assert.Equal(["images -o json"], _fleet[1].ImageCalls);
        Assert.All(_fleet.Nodes.Skip(1), n => Assert.Equal(["images -o json", $"pull {Api}", "images -o json"], n.ImageCalls));
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains("[ERR] another image-sync run holds the lock"));
    }

    [Fact]
    public void Should_refuse_a_node_whose_host_key_changed_naming_both_fingerprints_and_run_nothing_on_it()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        var expected = _fleet[3].HostKeyFingerprint();
        _fleet.Start();
        _fleet[3].Dispose();
        _fleet[3].ChangeHostKey();
        _fleet[3].Start();
        var offered = _fleet[3].HostKeyFingerprint();

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        var refusal = Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-3 UNREACHABLE"));
        Assert.Contains("has CHANGED", refusal);
        Assert.Contains($"expected {expected}", refusal);
        Assert.Contains($"offered {offered}", refusal);
        Assert.Empty(_fleet[3].CrictlCalls);
        Assert.DoesNotContain("Accepted publickey", File.ReadAllText(_fleet[3].SshdLog));
        Assert.Equal([Api], _fleet[2].Images);
    }

    public void Dispose() => _fleet.Dispose();
}
