using Akka.Actor;
using Akka.TestKit;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>How the dispatcher spreads a plan over its workers: global and per-node bounds, order, one outcome per pull, and stopping.</summary>
public sealed class PullDispatcherSpecs : PullDispatcherTestKit
{
    private readonly TestProbe _events;

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
        Assert.Equal(5, Fleet.Max);
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
        var slow = new ScriptedSession(NodeName.Parse("slow"), Fleet) { Script = _ => null };
        var fast = new ScriptedSession(NodeName.Parse("fast"), Fleet);
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
        Assert.Equal(["n1 c:1", "n1 d:1", "n0 a:1", "n1 b:1"], Fleet.Started.Select(s => s.Replace("registry.example.com/team/", "")));
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
