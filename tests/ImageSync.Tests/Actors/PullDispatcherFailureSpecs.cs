using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Actors;

/// <summary>Pulls that fail under the dispatcher: a crashed worker, retries and their backoff, canaries, and successes the node does not bear out.</summary>
public sealed class PullDispatcherFailureSpecs : PullDispatcherTestKit
{
    [Fact]
    public void Should_report_a_crashed_workers_pull_as_FAILED_and_finish_the_others()
    {
        var sessions = Sessions(2, hold: false);
        sessions[NodeName.Parse("n1")].CrashesOn = image => image.Tag == "3";
        var plan = Plan(sessions.Keys, imagesPerNode: 5);

        StartDispatcher(plan, sessions, maxParallel: 2, maxPerNode: 2);

        var outcomes = ExpectMsg<PullWork.AllDone>().Outcomes;
        Assert.Equal(10, outcomes.Count);
        var crashed = Assert.Single(outcomes, o => o.Result != PullResult.Success);
        Assert.Equal(("n1", "3", PullResult.Failed), (crashed.Pull.Node.Value, crashed.Pull.Image.Tag, crashed.Result));
        Assert.Equal("pull worker crashed: bug", crashed.Reason);
    }

    [Fact]
    public void Should_retry_a_transient_failure_after_the_backoff_and_count_the_attempts()
    {
        var sessions = Sessions(1, hold: false);
        var tries = 0;
        sessions.Values.Single().Script = _ => ++tries == 1 ? new PullExit(1, "pulling image: rpc error: code = Unavailable desc = EOF") : new PullExit(0, "");
        var retrying = CreateTestProbe();
        Sys.EventStream.Subscribe(retrying, typeof(SyncEvents.PullRetrying));

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 1), sessions, 2, 2, "pull { retries = 2, retry-backoff = 4s }");

        var retry = retrying.ExpectMsg<SyncEvents.PullRetrying>();
        Assert.Equal((2, 3, "Unavailable: EOF"), (retry.NextAttempt, retry.MaxAttempts, retry.Reason));
        Assert.InRange(retry.Delay, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        var outcome = Assert.Single(ExpectInVirtualTime<PullWork.AllDone>(this, TimeSpan.FromSeconds(6)).Outcomes);
        Assert.Equal((PullResult.Success, 2), (outcome.Result, outcome.Attempts));
    }

    [Fact]
    public void Should_double_the_backoff_each_retry_and_fail_with_the_last_reason_when_retries_run_out()
    {
        var sessions = Sessions(1, hold: false);
        sessions.Values.Single().Script = _ => new PullExit(1, "pulling image: rpc error: code = Unavailable desc = EOF");
        var retrying = CreateTestProbe();
        Sys.EventStream.Subscribe(retrying, typeof(SyncEvents.PullRetrying));

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 1), sessions, 2, 2, "pull { retries = 2, retry-backoff = 4s }");

        // ±25% jitter around 4s, then around 8s.
        Assert.InRange(retrying.ExpectMsg<SyncEvents.PullRetrying>().Delay, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        Scheduler.Advance(TimeSpan.FromSeconds(5));
        var second = retrying.ExpectMsg<SyncEvents.PullRetrying>();
        Assert.Equal(3, second.NextAttempt);
        Assert.InRange(second.Delay, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(10));
        var outcome = Assert.Single(ExpectInVirtualTime<PullWork.AllDone>(this, TimeSpan.FromSeconds(11)).Outcomes);
        Assert.Equal((PullResult.Failed, 3, "Unavailable: EOF"), (outcome.Result, outcome.Attempts, outcome.Reason));
        Assert.Equal(3, sessions.Values.Single().Started.Count);
        retrying.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Should_not_retry_a_permanent_failure()
    {
        var sessions = Sessions(1, hold: false);
        sessions.Values.Single().Script = _ => new PullExit(1, "pulling image: rpc error: code = NotFound desc = not found");

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 1), sessions, 2, 2, "pull { retries = 2 }");

        var outcome = Assert.Single(ExpectMsg<PullWork.AllDone>().Outcomes);
        Assert.Equal((PullResult.Failed, 1), (outcome.Result, outcome.Attempts));
        Assert.Single(sessions.Values.Single().Started);
    }

    [Fact]
    public void Should_try_an_image_missing_from_the_registry_on_exactly_one_node()
    {
        var sessions = Sessions(4, hold: false);
        foreach (var session in sessions.Values) session.Script = _ => new PullExit(1, "pulling image: rpc error: code = NotFound desc = not found");

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 1), sessions, 4, 2, "pull { canary = on }");

        var outcomes = ExpectMsg<PullWork.AllDone>().Outcomes;
        Assert.Equal(1, sessions.Values.Sum(s => s.Started.Count));
        var tried = Assert.Single(outcomes, o => o.Result == PullResult.Failed);
        Assert.All(outcomes.Where(o => o != tried), o =>
        {
            Assert.Equal(PullResult.Skipped, o.Result);
            Assert.StartsWith($"not tried: the first pull of this image, on {tried.Pull.Node}, failed for good (NotFound: not found)", o.Reason);
        });
    }

    [Fact]
    public void Should_let_the_other_nodes_go_ahead_when_the_canary_fails_transiently()
    {
        var sessions = Sessions(3, hold: false);
        var first = true;
        foreach (var session in sessions.Values)
            session.Script = _ => Interlocked.Exchange(ref first, false) ? new PullExit(1, "rpc error: code = Unavailable desc = EOF") : new PullExit(0, "");

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 1), sessions, 4, 2, "pull { canary = on }");

        var outcomes = ExpectMsg<PullWork.AllDone>().Outcomes;
        Assert.Equal(2, outcomes.Count(o => o.IsSuccess));
        Assert.Single(outcomes, o => o.Result == PullResult.Failed);
    }

    [Fact]
    public void Should_fail_a_pull_that_succeeded_without_the_image_appearing()
    {
        var sessions = Sessions(1, hold: false);
        sessions.Values.Single().Phantom = image => image.ToString().EndsWith("img:1");

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 2), sessions, 2, 2, "pull { verify = on }");

        var outcomes = ExpectMsg<PullWork.AllDone>().Outcomes;
        var phantom = Assert.Single(outcomes, o => !o.IsSuccess);
        Assert.Equal((PullResult.Failed, "not present after pull: crictl reported success, but the node does not list the image"), (phantom.Result, phantom.Reason));
        Assert.EndsWith("img:1", phantom.Pull.Image.ToString());
    }
}
