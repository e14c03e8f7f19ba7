using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>Pulls that fail on real sshd nodes: an image the registry lacks tried on one node, a retry that succeeds, a success the node does not bear out.</summary>
public sealed class FailingPullSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Gone = TestFleet.Prefix + "gone:1";

    private readonly TestFleet _fleet = new(nodes: 3);

    [Fact]
    public void Should_try_an_image_the_registry_does_not_have_on_exactly_one_node()
    {
        _fleet[1].Holding(Gone);
        _fleet.Start("pull.retries = 2");

        var run = _fleet.Run();

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(1, _fleet.Nodes.Sum(n => n.CrictlCalls.Count(c => c == $"pull {Gone}")));
        var failed = _fleet.DayFile("failed_images");
        Assert.Single(failed, l => l.Contains($" FAILED ") && l.Contains("NotFound"));
        Assert.Single(failed, l => l.Contains(" SKIPPED ") && l.Contains("not tried: the first pull of this image"));
    }

    [Fact]
    public void Should_succeed_on_a_retry_when_the_registry_fails_once()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].Flaky(Api, failures: 1);
        _fleet.Start("pull { retries = 2, retry-backoff = 1s }");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api], _fleet[2].Images);
        Assert.Equal(2, _fleet[2].CrictlCalls.Count(c => c == $"pull {Api}"));
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains($"RETRY node-2 {Api}") && l.Contains("(attempt 2 of 3): Unavailable:"));
    }

    [Fact]
    public void Should_fail_a_pull_that_reported_success_without_the_image_appearing()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].Phantom(Api);
        _fleet.Start();

        var run = _fleet.Run();

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($" FAILED node-2 {Api} not present after pull", Assert.Single(_fleet.DayFile("failed_images")));
        // crictl's word went on record as the pull ended, as the bash tool wrote it; the verification's line follows.
        Assert.Contains($" SUCCESS node-2 {Api}", Assert.Single(_fleet.DayFile("success_images"), l => l.Contains("node-2")));
        Assert.Contains("SUMMARY: 1 succeeded, 1 failed", string.Join("\n", _fleet.DayFile("image-sync")));
    }

    public void Dispose() => _fleet.Dispose();
}
