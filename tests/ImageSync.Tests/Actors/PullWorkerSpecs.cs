using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

public sealed class PullWorkerSpecs : VirtualTimeTestKit
{
    private static readonly NodeName Node = NodeName.Parse("w1");

    // timeout 10s + kill-after 2s + watchdog-grace 3s
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(0, "", PullResult.Success, null)]
    [InlineData(124, "", PullResult.Timeout, "remote timeout: no pull within 10s (exit 124)")]
    [InlineData(1, "E1126 pulling image: rpc error: code = NotFound desc = not found", PullResult.Failed, "NotFound: not found")]
    [InlineData(1, "time=\"2026-11-26T12:00:00Z\" level=fatal msg=\"pulling image: rpc error: code = Unavailable desc = failed to pull \\\"a\\\": EOF\"", PullResult.Failed, "Unavailable: failed to pull \"a\": EOF")]
    [InlineData(1, "bash: crictl: command not found", PullResult.Failed, "bash: crictl: command not found")]
    [InlineData(127, "", PullResult.Failed, "exit 127")]
    public void Should_map_the_remote_exit_code_to_the_bash_tools_outcome(int exitCode, string stderr, PullResult expected, string? reason)
    {
        var session = new ScriptedSession(Node) { Script = _ => new PullExit(exitCode, stderr) };
        var worker = StartWorker();

        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", "api:1"), session));

        var done = ExpectMsg<PullWork.Done>();
        Assert.Equal((1L, expected, reason), (done.JobId, done.Outcome.Result, done.Outcome.Reason));
        ExpectMsg<PullWork.RequestWork>();
    }

    [Fact]
    public void Should_report_FAILED_with_the_reason_when_the_connection_breaks_during_a_pull()
    {
        var session = new ScriptedSession(Node) { Script = _ => throw new NodeException(Node, "connection lost while running `crictl pull`") };
        var worker = StartWorker();

        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", "api:1"), session));

        var done = ExpectMsg<PullWork.Done>();
        Assert.Equal(PullResult.Failed, done.Outcome.Result);
        Assert.Equal("connection lost while running `crictl pull`", done.Outcome.Reason);
    }

    [Theory]
    [InlineData(NodeFailure.ReplicaLost, true)]
    [InlineData(NodeFailure.Node, false)]
    public void Should_tell_the_dispatcher_a_pull_was_lost_with_its_replica_only_when_the_failure_says_so(NodeFailure kind, bool lost)
    {
        var session = new ScriptedSession(Node) { Script = _ => throw NodeException.Of(Node, kind, "gone during the call") };
        var worker = StartWorker();

        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", "api:1"), session));

        var done = ExpectMsg<PullWork.Done>();
        Assert.Equal((PullResult.Failed, "gone during the call", lost), (done.Outcome.Result, done.Outcome.Reason, done.ReplicaLost));
    }

    [Fact]
    public void Should_turn_a_pull_that_never_answers_into_TIMEOUT_when_the_watchdog_fires()
    {
        var session = new ScriptedSession(Node) { Script = _ => null };
        var worker = StartWorker();
        worker.Tell(new PullWork.Job(7, TestData.Pull("w1", "api:1"), session));
        WaitUntilHandled(worker);

        Scheduler.Advance(Watchdog - TimeSpan.FromMilliseconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(TimeSpan.FromMilliseconds(1));

        var done = ExpectMsg<PullWork.Done>();
        Assert.Equal((7L, PullResult.Timeout), (done.JobId, done.Outcome.Result));
        Assert.Contains("local watchdog", done.Outcome.Reason);
        ExpectMsg<PullWork.RequestWork>();
        AwaitAssert(() => Assert.Single(session.Cancelled));
    }

    [Fact]
    public void Should_wait_for_the_abandoned_pull_to_let_go_of_its_channel_before_taking_new_work()
    {
        var session = new ScriptedSession(Node) { Script = _ => null, IgnoresCancellation = true };
        var (_, abandoned) = StartWorkerWithAbandonedPull(session, "api:1");
        Assert.True(abandoned.NodeStoppedAnswering);

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        session.Release(TestData.Image("api:1"), new PullExit(0, ""));

        ExpectMsg<PullWork.RequestWork>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Should_take_new_work_after_a_limit_when_the_abandoned_pull_never_lets_go()
    {
        StartWorkerWithAbandonedPull(new ScriptedSession(Node) { Script = _ => null, IgnoresCancellation = true }, "api:1");

        Scheduler.Advance(TimeSpan.FromSeconds(5));

        ExpectMsg<PullWork.RequestWork>();
    }

    [Fact]
    public void Should_keep_the_watchdog_of_a_new_pull_when_a_late_answer_of_an_old_one_arrives()
    {
        var session = new ScriptedSession(Node) { Script = _ => null, IgnoresCancellation = true };
        var (worker, _) = StartWorkerWithAbandonedPull(session, "old:1");
        Scheduler.Advance(TimeSpan.FromSeconds(5));
        ExpectMsg<PullWork.RequestWork>();
        worker.Tell(new PullWork.Job(2, TestData.Pull("w1", "new:1"), session));
        WaitUntilHandled(worker);
        Scheduler.Advance(Watchdog - TimeSpan.FromSeconds(1));

        session.Release(TestData.Image("old:1"), new PullExit(0, ""));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        WaitUntilHandled(worker);
        Scheduler.Advance(TimeSpan.FromSeconds(1));

        var done = ExpectMsg<PullWork.Done>();
        Assert.Equal((2L, PullResult.Timeout), (done.JobId, done.Outcome.Result));
    }

    [Fact]
    public void Should_report_the_pull_in_hand_as_FAILED_and_work_on_when_the_worker_crashes()
    {
        var session = new ScriptedSession(Node) { CrashesOn = image => image.Tag == "1" };
        var worker = StartWorker();

        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", "api:1"), session));

        var done = ExpectMsg<PullWork.Done>();
        Assert.Equal((1L, PullResult.Failed), (done.JobId, done.Outcome.Result));
        Assert.StartsWith("pull worker crashed: ", done.Outcome.Reason);
        ExpectMsg<PullWork.RequestWork>();
        worker.Tell(new PullWork.Job(2, TestData.Pull("w1", "web:2"), session));
        Assert.Equal(PullResult.Success, ExpectMsg<PullWork.Done>().Outcome.Result);
    }

    /// <summary>A worker whose first pull never answered: the watchdog has reported it and the channel is still held.</summary>
    private (IActorRef Worker, PullWork.Done Abandoned) StartWorkerWithAbandonedPull(ScriptedSession session, string image)
    {
        var worker = StartWorker();
        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", image), session));
        WaitUntilHandled(worker);
        Scheduler.Advance(Watchdog);
        var abandoned = ExpectMsg<PullWork.Done>();
        WaitUntilHandled(worker);
        return (worker, abandoned);
    }

    private IActorRef StartWorker()
    {
        var worker = Sys.ActorOf(PullWorker.Props(TestActor, TestData.Pull()));
        ExpectMsg<PullWork.RequestWork>();
        return worker;
    }
}
