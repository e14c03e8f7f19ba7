using System.Threading.Channels;
using ImageSync.Cli.Commands;
using ImageSync.Cli.Output;
using ImageSync.Domain;
using ImageSync.Tests.Support;
using Spectre.Console.Testing;

namespace ImageSync.Tests.Cli;

/// <summary>What the console shows, rendered through Spectre's test console.</summary>
public sealed class ViewsSpecs
{
    private static readonly NodeSpec W1 = new(NodeName.Parse("w1"), "10.0.0.1", 22, "root");
    private static readonly NodeSpec W2 = new(NodeName.Parse("w2"), "10.0.0.2", 2222, "ops");
    private readonly TestConsole _console = new TestConsole().Width(160);

    [Fact]
    public void Should_show_a_bar_per_node_and_the_pulls_in_flight_with_their_elapsed_time()
    {
        var now = TimeSpan.Zero;
        var progress = new RunProgress(() => now);
        var a = TestData.Pull("w1", "a:1");
        var b = TestData.Pull("w1", "b:1");
        progress.Apply(new SyncEvents.SyncStarted(DateTimeOffset.Now, [W1, W2], "run"));
        progress.Apply(new SyncEvents.NodeChecked(NodeStatus.Ready(W1.Name, 0, [])));
        progress.Apply(new SyncEvents.NodeChecked(NodeStatus.Unreachable(W2.Name, "connection refused", NodeStage.Connect)));
        progress.Apply(new SyncEvents.PlanMade(new SyncPlan([a, b, TestData.Pull("w1", "c:1"), TestData.Pull("w1", "d:1")])));
        progress.Apply(new SyncEvents.PullStarted(a, 1));
        progress.Apply(new SyncEvents.PullStarted(b, 2));
        progress.Apply(new SyncEvents.PullAttemptEnded(a, 1, PullResult.Success));
        progress.Apply(new SyncEvents.PullFinished(new PullOutcome(a, PullResult.Success, null, TimeSpan.FromSeconds(1))));
        now = TimeSpan.FromSeconds(12.5);

        _console.Write(Views.Live(progress.Snapshot()));

        var lines = _console.Lines;
        Assert.Contains(lines, l => l.Contains("w1") && l.Contains("reachable") && l.Contains("█████░░░░░░░░░░░░░░░ 1/4"));
        Assert.Contains(lines, l => l.Contains("w2") && l.Contains("UNREACHABLE"));
        Assert.Contains(lines, l => l.Contains("in flight (1)"));
        Assert.Contains(lines, l => l.Contains("registry.example.com/team/b:1") && l.Contains(" 2 ") && l.Contains("12.5s"));
        Assert.DoesNotContain(lines, l => l.Contains("registry.example.com/team/a:1"));
    }

    [Fact]
    public async Task Should_redraw_the_live_view_while_the_run_goes_on_and_end_on_its_final_state()
    {
        var console = new TestConsole().Width(160).Interactive();
        var progress = new RunProgress();
        var a = TestData.Pull("w1", "a:1");
        var b = TestData.Pull("w1", "b:1");
        progress.Apply(new SyncEvents.SyncStarted(DateTimeOffset.Now, [W1], "run"));
        progress.Apply(new SyncEvents.NodeChecked(NodeStatus.Ready(W1.Name, 0, [])));
        progress.Apply(new SyncEvents.PlanMade(new SyncPlan([a, b])));
        var finished = new TaskCompletionSource();
        // The view asks for its next redraw once it has drawn: the spec paces it, and reads the console only once
        // the view has ended (TestConsole is not safe to read while the view's thread writes to it).
        var redrawsAsked = Channel.CreateUnbounded<TaskCompletionSource>();
        Task NextRedraw()
        {
            var due = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            redrawsAsked.Writer.TryWrite(due);
            return due.Task;
        }

        var live = OneShotSync.ShowLiveAsync(console, progress, finished.Task, NextRedraw);
        var drawnBeforePulls = await redrawsAsked.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        progress.Apply(new SyncEvents.PullStarted(a, 1));
        progress.Apply(new SyncEvents.PullStarted(b, 1));
        drawnBeforePulls.SetResult();
        await redrawsAsked.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        progress.Apply(new SyncEvents.PullAttemptEnded(a, 1, PullResult.Success));
        progress.Apply(new SyncEvents.PullFinished(new PullOutcome(a, PullResult.Success, null, TimeSpan.FromSeconds(1))));
        progress.Apply(new SyncEvents.PullAttemptEnded(b, 1, PullResult.Failed));
        progress.Apply(new SyncEvents.PullFinished(new PullOutcome(b, PullResult.Failed, "NotFound: not found", TimeSpan.FromSeconds(1))));
        finished.SetResult();
        await live.WaitAsync(TimeSpan.FromSeconds(10));

        var frames = console.Output.Split("image-sync run")[1..];
        Assert.Contains(frames, f => f.Contains("in flight (2)"));
        Assert.Contains("in flight (0)", frames[^1]);
        var row = frames[^1].Split('\n').Single(l => l.Contains("w1"));
        Assert.Equal(["w1", "reachable", "████████████████████", "2/2", "1", "0"], Columns(row));
    }

    [Fact]
    public void Should_sum_up_each_node_and_list_failures_with_reasons()
    {
        var failed = new PullOutcome(TestData.Pull("w1", "b:1"), PullResult.Failed, "NotFound: not found", TimeSpan.FromSeconds(1), 1, TimeSpan.FromSeconds(4));
        var pulled = new PullOutcome(TestData.Pull("w1", "a:1"), PullResult.Success, null, TimeSpan.FromSeconds(1), 1, TimeSpan.FromSeconds(2));
        var summary = Summary([NodeStatus.Ready(W1.Name, 3, []), NodeStatus.Unreachable(W2.Name, "connection refused", NodeStage.Connect)],
            new SyncPlan([pulled.Pull, failed.Pull]), [pulled, failed]);

        _console.Write(Views.Summary(summary));

        var lines = _console.Lines;
        Assert.Contains(lines, l => Columns(l).SequenceEqual(["w1", "yes", "2", "1", "1", "0", "0", "4.0s"]));
        Assert.Contains(lines, l => Columns(l).SequenceEqual(["w2", "NO", "0", "0", "0", "0", "0", "0.0s"]));
        Assert.Contains(lines, l => l.Contains("registry.example.com/team/b:1") && l.Contains("FAILED") && l.Contains("NotFound: not found"));
        Assert.Contains(lines, l => l.StartsWith("1 succeeded, 1 failed, 0 timed out, 0 skipped; 1 of 2 nodes unreachable"));
    }

    [Fact]
    public void Should_show_the_plan_with_sizes_sources_and_drift()
    {
        var pull = new PlannedPull(W2.Name, TestData.Image("a:1"), 50L << 20, [W1.Name]);
        var drift = new TagDrift(TestData.Image("b:1"), new Dictionary<NodeName, string> { [W1.Name] = "sha256:" + new string('a', 64), [W2.Name] = "sha256:" + new string('b', 64) });
        var summary = Summary([NodeStatus.Ready(W1.Name, 2, []), NodeStatus.Ready(W2.Name, 1, [])], new SyncPlan([pull], [drift]), []) with { Mode = SyncMode.Plan };

        _console.Write(Views.Plan(summary));

        var lines = _console.Lines;
        Assert.Contains(lines, l => Columns(l).SequenceEqual(["w2", "yes", "1", "50.0", "MiB", "0"]));
        Assert.Contains(lines, l => l.Contains("registry.example.com/team/a:1") && l.Contains("50.0 MiB") && l.Contains("w1"));
        Assert.Contains(lines, l => l.Contains("registry.example.com/team/b:1") && l.Contains("sha256:aaaaaaaaaaaa… on w1; sha256:bbbbbbbbbbbb… on w2"));
        Assert.Contains(lines, l => l.StartsWith("1 pulls, 50.0 MiB in all; 0 of 2 nodes unreachable"));
    }

    [Fact]
    public void Should_name_two_sources_and_count_the_others_when_a_thousand_nodes_hold_an_image()
    {
        var sources = Enumerable.Range(1, 999).Select(i => NodeName.Parse($"w{i:D5}")).ToList();
        var pull = new PlannedPull(NodeName.Parse("w01000"), TestData.Image("a:1"), 1 << 20, sources);
        var summary = Summary([NodeStatus.Ready(W1.Name, 1, [])], new SyncPlan([pull]), []) with { Mode = SyncMode.Plan };
        var console = new TestConsole().Width(160);

        console.Write(Views.Plan(summary));

        var row = Assert.Single(console.Lines, l => l.Contains("registry.example.com/team/a:1"));
        Assert.Contains("w00001, w00002 +997 more", row);
        Assert.DoesNotContain("w00003", string.Join("\n", console.Lines));
    }

    [Fact]
    public void Should_show_why_the_disk_guard_skips_a_pull_when_planning()
    {
        var pull = new PlannedPull(W2.Name, TestData.Image("a:1"), 50 << 20, [W1.Name]);
        var plan = new SyncPlan([pull]) { Skips = [new SkippedPull(pull, "disk: would reach 83 % of /var/lib/containerd (limit 80 %)")] };
        var summary = Summary([NodeStatus.Ready(W1.Name, 1, []), NodeStatus.Ready(W2.Name, 0, [])], plan, []) with { Mode = SyncMode.Plan };
        var console = new TestConsole().Width(240);

        console.Write(Views.Plan(summary));

        Assert.Contains(console.Lines, l => l.Contains("registry.example.com/team/a:1") && l.Contains("SKIPPED: disk: would reach 83 % of /var/lib/containerd (limit 80 %)"));
        Assert.Contains(console.Lines, l => l.StartsWith("1 pulls (1 to be skipped: not enough disk), 50.0 MiB in all"));
    }

    [Fact]
    public void Should_count_the_pulls_held_back_per_node_and_say_until_when_in_the_summary()
    {
        var started = new DateTimeOffset(new DateTime(2026, 12, 2, 12, 0, 0, DateTimeKind.Local));
        var heldBack = new[] { TestData.Pull("w1", "a:1"), TestData.Pull("w1", "b:1"), TestData.Pull("w2", "a:1") }
            .Select((pull, i) => new HeldBackPull(pull, started.AddHours(6 + i))).ToList();
        var summary = Summary([NodeStatus.Ready(W1.Name, 0, []), NodeStatus.Ready(W2.Name, 0, [])], new SyncPlan([]) { HeldBack = heldBack }, []) with { StartedAt = started };

        _console.Write(Views.Summary(summary));

        Assert.Contains(_console.Lines, l => Columns(l).SequenceEqual(["w1", "yes", "0", "0", "0", "0", "2", "0.0s"]));
        Assert.Contains(_console.Lines, l => Columns(l).SequenceEqual(["w2", "yes", "0", "0", "0", "0", "1", "0.0s"]));
        Assert.Contains(_console.Lines, l => l.StartsWith($"0 succeeded, 0 failed, 0 timed out, 0 skipped; 3 held back: removed since image-sync pulled them; not before {started.AddHours(6):HH:mm}; 0 of 2 nodes unreachable"));
    }

    [Fact]
    public void Should_list_the_pulls_held_back_with_their_time_when_planning()
    {
        var started = new DateTimeOffset(new DateTime(2026, 12, 2, 20, 0, 0, DateTimeKind.Local));
        var held = new HeldBackPull(new PlannedPull(W2.Name, TestData.Image("a:1"), 50 << 20, [W1.Name]), started.AddHours(6));
        var summary = Summary([NodeStatus.Ready(W1.Name, 1, []), NodeStatus.Ready(W2.Name, 0, [])], new SyncPlan([]) { HeldBack = [held] }, [])
            with { Mode = SyncMode.Plan, StartedAt = started };
        var console = new TestConsole().Width(240);

        console.Write(Views.Plan(summary));

        Assert.Contains(console.Lines, l => l.Contains("registry.example.com/team/a:1")
            && l.Contains($"HELD BACK: removed since image-sync pulled it; not before {started.AddHours(6):yyyy-MM-ddTHH:mm:ss.fffzzz}"));
        Assert.Contains(console.Lines, l => l.StartsWith($"0 pulls, 0 B in all; 1 held back: removed since image-sync pulled it; not before {started.AddHours(6):yyyy-MM-dd HH:mm}"));
    }

    [Fact]
    public void Should_mark_the_step_each_node_failed_at_when_checking()
    {
        var facts = new NodeFacts(new Platform("linux", "arm64"), new ImageFilesystem("/var/lib/containerd/x", "/var/lib/containerd", 10L << 30, 8L << 30, 2L << 30), []);
        var summary = Summary([NodeStatus.Ready(W1.Name, 7, [], facts), NodeStatus.Unreachable(W2.Name, "authentication failed for user 'ops'", NodeStage.Authentication)],
            SyncPlan.Empty, []) with { Mode = SyncMode.Check };
        var console = new TestConsole().Width(240);

        console.Write(Views.Check(summary, [W1, W2]));

        var lines = console.Lines;
        Assert.Contains(lines, l => Columns(l).Take(9).SequenceEqual(["w1", "root@10.0.0.1:22", "ok", "ok", "ok", "ok", "ok", "7", "linux/arm64"])
                                    && l.Contains("80 % of /var/lib/containerd, 2.0 GiB available"));
        Assert.Contains(lines, l => Columns(l).Take(7).SequenceEqual(["w2", "ops@10.0.0.2:2222", "ok", "ok", "FAILED", "-", "-"]) && l.Contains("authentication failed"));
        Assert.Contains(lines, l => l.StartsWith("1 of 2 nodes failed"));
    }

    [Fact]
    public void Should_count_the_pinned_images_and_those_image_sync_pinned_when_checking_and_planning()
    {
        var api = TestData.Image("api:1");
        var pins = new PinReport([new PinState(W1.Name, api, PinOwner.ImageSync, true, 10), new PinState(W1.Name, TestData.Image("web:1"), PinOwner.Operator, false, 10),
            new PinState(W2.Name, api, null, true, 0)], [new PinWork(W2.Name, api, Pin: true)]);
        var summary = Summary([NodeStatus.Ready(W1.Name, 7, []), NodeStatus.Ready(W2.Name, 5, [])], SyncPlan.Empty, []) with { Mode = SyncMode.Check, Pins = pins };
        var console = new TestConsole().Width(240);

        console.Write(Views.Check(summary, [W1, W2]));
        console.Write(Views.Plan(summary with { Mode = SyncMode.Plan }));

        Assert.Contains(console.Lines, l => l.Contains("│ 7, pinned 2 (1 by image-sync) │"));
        Assert.Contains(console.Lines, l => Columns(l).Take(8).SequenceEqual(["w2", "ops@10.0.0.2:2222", "ok", "ok", "ok", "ok", "ok", "5"]));
        Assert.Contains(console.Lines, l => Columns(l).SequenceEqual(["w1", "yes", "0", "0", "B", "2", "(1", "by", "image-sync)"]));
        Assert.Contains(console.Lines, l => l.StartsWith("0 pulls, 0 B in all; 1 to pin, 0 to unpin; 0 of 2 nodes unreachable"));
    }

    [Fact]
    public void Should_say_which_nodes_the_node_helper_answered_on_and_its_version_when_checking()
    {
        var helper = new NodeFacts(null, null, [], Helper: "image-sync-node 1");
        var summary = Summary([NodeStatus.Ready(W1.Name, 1, [], helper), NodeStatus.Ready(W2.Name, 1, [], NodeFacts.Unknown)], SyncPlan.Empty, []) with { Mode = SyncMode.Check };

        _console.Write(Views.Check(summary, [W1, W2]));

        Assert.Contains(_console.Lines, l => l == "node helper answered on w1 (image-sync-node 1)");
    }

    [Fact]
    public void Should_print_what_a_node_sends_as_text_not_as_markup()
    {
        var hostile = NodeStatus.Unreachable(W2.Name, "[red]fake[/] [link=http://x]click[/]", NodeStage.Check);

        _console.Write(Views.Check(Summary([NodeStatus.Ready(W1.Name, 1, []), hostile], SyncPlan.Empty, []), [W1, W2]));

        Assert.Contains(_console.Lines, l => l.Contains("[red]fake[/] [link=http://x]click[/]"));
    }

    private static SyncSummary Summary(IReadOnlyList<NodeStatus> nodes, SyncPlan plan, IReadOnlyList<PullOutcome> outcomes) =>
        new(SyncMode.Run, DateTimeOffset.Now, TimeSpan.FromSeconds(5), nodes, plan, outcomes, false);

    /// <summary>The cells of a table row, without borders.</summary>
    private static string[] Columns(string line) =>
        line.Split(['│', ' '], StringSplitOptions.RemoveEmptyEntries);
}
