using Akka.Actor;
using Akka.TestKit;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

public sealed class PullDispatcherSpecs : VirtualTimeTestKit
{
    private readonly TestProbe _events;
    private readonly PullRecorder _fleet = new();

    public PullDispatcherSpecs()
    {
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events, typeof(SyncEvents.PullFinished));
    }

    [Fact]
    public void Should_never_exceed_the_global_bound_or_a_nodes_cap_and_use_every_worker_when_work_waits()
    {
        var sessions = Sessions(6, hold: true);
        var plan = Plan(sessions.Keys, imagesPerNode: 10);
        var random = new Random(7);

        StartDispatcher(plan, sessions, maxParallel: 5, maxPerNode: 2);
        var released = 0;
        while (released < plan.Pulls.Count)
        {
            var expected = Math.Min(plan.Pulls.Count, released + 5);
            AwaitCondition(() => Started(sessions) == expected, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5), $"{expected} pulls started");
            ReleaseOneHeld(sessions, random);
            released++;
        }

        var done = ExpectMsg<PullWork.AllDone>();
        Assert.Equal(60, done.Outcomes.Count);
        Assert.All(done.Outcomes, o => Assert.Equal(PullResult.Success, o.Result));
        Assert.Equal(5, _fleet.Max);
        Assert.All(sessions.Values, s => Assert.True(s.MaxInFlight <= 2, $"{s.Node} ran {s.MaxInFlight} pulls at once"));
    }

    [Fact]
    public void Should_keep_a_node_under_its_cap_when_it_has_all_the_work()
    {
        var sessions = Sessions(1, hold: false);

        StartDispatcher(Plan(sessions.Keys, imagesPerNode: 20), sessions, maxParallel: 8, maxPerNode: 2);

        Assert.Equal(20, ExpectMsg<PullWork.AllDone>().Outcomes.Count);
        Assert.True(sessions.Values.Single().MaxInFlight <= 2);
    }

    [Fact]
    public void Should_go_on_with_other_nodes_work_when_one_pull_takes_long()
    {
        var slow = new ScriptedSession(NodeName.Parse("slow"), _fleet) { Script = _ => null };
        var fast = new ScriptedSession(NodeName.Parse("fast"), _fleet);
        var sessions = new Dictionary<NodeName, ScriptedSession> { [slow.Node] = slow, [fast.Node] = fast };
        var plan = new SyncPlan([TestData.Pull("slow", "big:1"), .. Enumerable.Range(0, 6).Select(i => TestData.Pull("fast", $"small:{i}"))]);

        StartDispatcher(plan, sessions, maxParallel: 2, maxPerNode: 2);

        var finished = Enumerable.Range(0, 6).Select(_ => _events.ExpectMsg<SyncEvents.PullFinished>().Outcome).ToList();
        Assert.All(finished, o => Assert.Equal("fast", o.Pull.Node.Value));
        slow.Release(TestData.Image("big:1"), new PullExit(0, ""));
        Assert.Equal(7, ExpectMsg<PullWork.AllDone>().Outcomes.Count);
    }

    [Fact]
    public void Should_start_with_the_node_that_has_most_work_and_its_biggest_image()
    {
        var sessions = Sessions(2, hold: false);
        var plan = new SyncPlan([
            TestData.Pull("n0", "a:1", size: 10),
            TestData.Pull("n1", "b:1", size: 1),
            TestData.Pull("n1", "c:1", size: 30),
            TestData.Pull("n1", "d:1", size: 20),
        ]);

        StartDispatcher(plan, sessions, maxParallel: 1, maxPerNode: 1);

        ExpectMsg<PullWork.AllDone>();
        Assert.Equal(["n1 c:1", "n1 d:1", "n0 a:1", "n1 b:1"], _fleet.Started.Select(s => s.Replace("registry.example.com/team/", "")));
    }

    [Fact]
    public void Should_publish_exactly_one_outcome_per_planned_pull()
    {
        var sessions = Sessions(4, hold: false);
        var plan = Plan(sessions.Keys, imagesPerNode: 5);

        StartDispatcher(plan, sessions, maxParallel: 3, maxPerNode: 2);

        var published = Enumerable.Range(0, 20).Select(_ => _events.ExpectMsg<SyncEvents.PullFinished>().Outcome.Pull.ToString()).ToList();
        Assert.Equal(plan.Pulls.Select(p => p.ToString()).Order(), published.Order());
        ExpectMsg<PullWork.AllDone>();
        _events.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

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
    public void Should_skip_queued_pulls_and_abandon_in_flight_ones_after_the_grace_when_stopped()
    {
        var sessions = Sessions(1, hold: true);
        var plan = Plan(sessions.Keys, imagesPerNode: 5);
        var dispatcher = StartDispatcher(plan, sessions, maxParallel: 2, maxPerNode: 2);
        AwaitCondition(() => Started(sessions) == 2);

        dispatcher.Tell(new SyncCommands.StopSync("SIGTERM received"));

        var skipped = Enumerable.Range(0, 3).Select(_ => _events.ExpectMsg<SyncEvents.PullFinished>().Outcome).ToList();
        Assert.All(skipped, o => Assert.Equal((PullResult.Skipped, "not started: SIGTERM received"), (o.Result, o.Reason)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(TimeSpan.FromSeconds(10));
        var abandoned = ExpectMsg<PullWork.AllDone>().Outcomes.Where(o => o.Result != PullResult.Skipped).ToList();
        Assert.Equal(2, abandoned.Count);
        Assert.All(abandoned, o => Assert.Equal((PullResult.Failed, "interrupted: abandoned after the 10s shutdown grace"), (o.Result, o.Reason)));
        AwaitAssert(() => Assert.Equal(2, sessions.Values.Single().Cancelled.Count));
    }

    [Fact]
    public void Should_record_pulls_that_finish_within_the_grace_as_they_ended()
    {
        var sessions = Sessions(1, hold: true);
        var session = sessions.Values.Single();
        var dispatcher = StartDispatcher(Plan(sessions.Keys, imagesPerNode: 1), sessions, maxParallel: 2, maxPerNode: 2);
        AwaitCondition(() => Started(sessions) == 1);

        dispatcher.Tell(new SyncCommands.StopSync("SIGINT received"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        session.Release(session.Started.Single(), new PullExit(0, ""));

        Assert.Equal(PullResult.Success, Assert.Single(ExpectMsg<PullWork.AllDone>().Outcomes).Result);
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

    private IActorRef StartDispatcher(SyncPlan plan, Dictionary<NodeName, ScriptedSession> sessions, int maxParallel, int maxPerNode, string extra = "") =>
        ChildActorOf(PullDispatcher.Props(
            plan,
            sessions.ToDictionary(s => s.Key, s => (INodeSession)s.Value),
            sessions.ToDictionary(s => s.Key, s => s.Value.Facts),
            TestData.Dispatching(maxParallel, maxPerNode, extra: extra),
            TimeSpan.Zero));

    private Dictionary<NodeName, ScriptedSession> Sessions(int count, bool hold) =>
        Enumerable.Range(0, count)
            .Select(i => new ScriptedSession(NodeName.Parse($"n{i}"), _fleet) { Script = hold ? _ => null : _ => new PullExit(0, "") })
            .ToDictionary(s => s.Node);

    private static SyncPlan Plan(IEnumerable<NodeName> nodes, int imagesPerNode) =>
        new(nodes.SelectMany(n => Enumerable.Range(0, imagesPerNode).Select(i => TestData.Pull(n.Value, $"img:{i}"))).ToList());

    private static int Started(Dictionary<NodeName, ScriptedSession> sessions) => sessions.Values.Sum(s => s.Started.Count);

    /// <summary>Ends one of the pulls that started and has not ended yet, picked at random.</summary>
    private static void ReleaseOneHeld(Dictionary<NodeName, ScriptedSession> sessions, Random random)
    {
        var started = sessions.Values.SelectMany(s => s.Started.Select(image => (Session: s, Image: image))).ToList();
        var open = started.Where(p => !p.Session.IsReleased(p.Image)).ToList();
        var (session, image) = open[random.Next(open.Count)];
        session.Release(image, new PullExit(0, ""));
    }
}
