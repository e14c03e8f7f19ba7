using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>SIGINT and SIGTERM sent to a real run process.</summary>
[Collection(AloneOnTheMachine.Name)]
public sealed class SignalSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private readonly TestFleet _fleet = new(nodes: 2);

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task Should_abandon_in_flight_pulls_after_the_grace_flush_the_logs_and_exit_with_the_signals_code(string signal, int exitCode)
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].PullLatency(TimeSpan.FromSeconds(60));
        _fleet.Start("shutdown-grace = 1s");
        using var run = _fleet.StartRun();
        await Eventually.TrueAsync("node-2 to start pulling", () => _fleet[2].ImageCalls.Count == 2, TimeSpan.FromSeconds(30));

        run.Signal(signal);
        var result = run.Wait(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == exitCode, result.Output);
        Assert.Contains($" FAILED node-2 {Api} interrupted: abandoned after the 1s shutdown grace", Assert.Single(_fleet.DayFile("failed_images")));
        var runLog = string.Join("\n", _fleet.DayFile("image-sync"));
        Assert.Contains("SUMMARY: 0 succeeded, 1 failed", runLog);
        Assert.Contains("SYNC INTERRUPTED", runLog);
        using var next = RunLockProbe();
    }

    [Fact]
    public async Task Should_get_the_lock_and_complete_when_started_right_after_a_run_was_killed()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].PullLatency(TimeSpan.FromSeconds(2));
        _fleet.Start();
        using (var killed = _fleet.StartRun())
        {
            await Eventually.TrueAsync("node-2 to start pulling", () => _fleet[2].ImageCalls.Count == 2, TimeSpan.FromSeconds(30));
            Shell.Require("kill", ["-KILL", killed.Process.Id.ToString()]);
            Assert.Equal(137, killed.Wait(TimeSpan.FromSeconds(10)).ExitCode);
        }

        var second = _fleet.Run();

        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal([Api], _fleet[2].Images);
    }

    [Fact]
    public async Task Should_have_written_the_success_line_of_every_image_a_node_gained_when_the_run_is_killed()
    {
        string[] images = [.. Enumerable.Range(0, 10).Select(i => $"{TestFleet.Prefix}img{i}:1")];
        _fleet.Serving(images);
        _fleet[1].Holding(images);
        // Pulls end two at a time, 1.5 s apart: a kill just after a pair's lines lands between two pairs.
        _fleet[2].PullLatency(TimeSpan.FromMilliseconds(1500));
        _fleet.Start("pull { max-per-node = 2, verify = on }");
        using var run = _fleet.StartRun();
        await Eventually.TrueAsync("SUCCESS lines to be written while the node's other pulls run (held for verification?)", () => SuccessLines().Count >= 4,
            TimeSpan.FromSeconds(30), every: TimeSpan.FromMilliseconds(50));

        Shell.Require("kill", ["-KILL", run.Process.Id.ToString()]);
        var gained = _fleet[2].Images;
        run.Wait(TimeSpan.FromSeconds(10));

        Assert.InRange(gained.Count, 4, images.Length - 1);
        Assert.Equal(gained.Order(), SuccessLines().Order());
    }

    /// <summary>The images of node-2's SUCCESS lines in the day file.</summary>
    private List<string> SuccessLines() =>
        [.. _fleet.DayFile("success_images").Select(l => l.Split(' ')).Where(f => f[2] == "node-2").Select(f => f[3])];

    [Fact]
    public async Task Should_run_exactly_one_of_two_runs_started_at_the_same_moment()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].PullLatency(TimeSpan.FromSeconds(3));
        _fleet.Start();

        using var first = _fleet.StartRun();
        using var second = _fleet.StartRun();
        await Eventually.TrueAsync("one of the runs to end", () => first.Process.HasExited || second.Process.HasExited, TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(50));
        // The refused one does not wait for the lock: it ends while the other's 3 s pull still runs.
        var (refusedRun, runner) = first.Process.HasExited ? (first, second) : (second, first);
        var stillRunning = !runner.Process.HasExited;
        var refused = refusedRun.Wait(TimeSpan.FromSeconds(10));
        var ran = runner.Wait(TimeSpan.FromSeconds(60));

        Assert.Equal((1, 0), (refused.ExitCode, ran.ExitCode));
        Assert.True(stillRunning, "the refused run ended only after the other one");
        Assert.Contains("another image-sync run holds the lock", refused.Output);
        Assert.Equal(["images -o json", $"pull {Api}", "images -o json"], _fleet[2].ImageCalls);
    }

    /// <summary>The lock is free again once the interrupted run is gone.</summary>
    private IDisposable RunLockProbe() =>
        ImageSync.Locking.RunLock.TryAcquire(_fleet.LockFile) ?? throw new Xunit.Sdk.XunitException("the lock was not released");

    public void Dispose() => _fleet.Dispose();
}
