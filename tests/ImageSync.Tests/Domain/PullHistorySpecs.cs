using System.Text;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.State;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

public sealed class PullHistorySpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly DiskSettings Backoff = new(0.8, 0, 2, DiskOrder.SmallestFirst, TimeSpan.FromHours(6), TimeSpan.FromHours(48));
    private static readonly NodeName W1 = NodeName.Parse("w1");
    private static readonly ImageRef Api = TestData.Image("api:1");

    [Fact]
    public void Should_hold_an_image_back_for_the_backoff_when_it_was_removed_after_image_sync_pulled_it()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(), T0.AddMinutes(15), Backoff);

        Assert.Equal([Api], reckoning.Removed);
        Assert.Equal(T0.AddMinutes(15).AddHours(6), reckoning.HeldBack[Api]);
    }

    [Fact]
    public void Should_double_the_backoff_with_each_removal_up_to_the_cap()
    {
        var history = new PullHistory();
        var now = T0;
        var backoffs = new List<TimeSpan>();
        for (var removal = 1; removal <= 5; removal++)
        {
            history.Pulled(W1, Api, now);
            now = now.AddMinutes(15);
            backoffs.Add(history.Reckon(Inventory(), now, Backoff).HeldBack[Api] - now);
        }

        Assert.Equal([6, 12, 24, 48, 48], backoffs.Select(b => b.TotalHours));
    }

    [Fact]
    public void Should_neither_report_nor_hold_back_an_image_the_node_still_lists()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(Api), T0.AddHours(1), Backoff);

        Assert.Empty(reckoning.Removed);
        Assert.Empty(reckoning.HeldBack);
    }

    [Fact]
    public void Should_report_a_removal_once_and_keep_holding_back_until_the_backoff_ends()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Reckon(Inventory(), T0.AddMinutes(15), Backoff);

        var later = history.Reckon(Inventory(), T0.AddHours(1), Backoff);
        var afterBackoff = history.Reckon(Inventory(), T0.AddHours(7), Backoff);

        Assert.Empty(later.Removed);
        Assert.Contains(Api, later.HeldBack.Keys);
        Assert.Empty(afterBackoff.HeldBack);
    }

    [Fact]
    public void Should_forget_an_image_the_node_kept_for_longer_than_the_cap()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        history.Reckon(Inventory(Api), T0.AddHours(49), Backoff);

        Assert.Null(history.Find(W1, Api));
    }

    [Fact]
    public void Should_not_count_a_pull_that_verification_found_missing_as_removed_later()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Unpulled(W1, Api);

        Assert.Empty(history.Reckon(Inventory(), T0.AddHours(1), Backoff).Removed);
    }

    [Fact]
    public void Should_read_back_what_it_wrote()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Pulled(NodeName.Parse("w2"), TestData.Image("web:2"), T0);
        history.Reckon(Inventory(), T0.AddMinutes(15), Backoff);

        var read = PullHistory.Read(history.Write());

        Assert.Equal(history.Find(W1, Api), read.Find(W1, Api));
        Assert.Equal(new PullHistory.Entry(T0, 0, null), read.Find(NodeName.Parse("w2"), TestData.Image("web:2")));
        Assert.Equal(2, read.Count);
    }

    [Theory]
    [InlineData("{\"version\":1,\"nodes\":{\"w1\":{\"registry.example.com/team/api:1\":{\"pulledAt\":")]
    [InlineData("{\"version\":7,\"nodes\":{}}")]
    [InlineData("{\"version\":1,\"nodes\":{\"bad name!\":{}}}")]
    [InlineData("{\"version\":1,\"nodes\":{\"w1\":{\"a/b:1;touch /tmp/x\":{}}}}")]
    [InlineData("\u0000\u0001garbage")]
    public void Should_start_afresh_with_a_warning_when_the_state_file_is_corrupt(string content)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("state.json"), content);

        var history = new PullHistoryFile(dir.File("state.json")).Load(out var warning);

        Assert.Equal(0, history.Count);
        Assert.StartsWith($"the state file {dir.File("state.json")} cannot be used, starting afresh", warning);
    }

    [Fact]
    public void Should_start_afresh_without_a_warning_when_there_is_no_state_file_yet()
    {
        using var dir = new TempDirectory();

        var history = new PullHistoryFile(dir.File("none.json")).Load(out var warning);

        Assert.Equal((0, null), (history.Count, warning));
    }

    [Fact]
    public async Task Should_replace_the_state_file_whole_and_leave_no_temp_file_when_saving()
    {
        using var dir = new TempDirectory();
        var store = new PullHistoryFile(dir.File("state.json"));
        File.WriteAllText(dir.File("state.json"), "old");
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        await store.SaveAsync(history.Write(), CancellationToken.None);

        Assert.Equal(history.Find(W1, Api), store.Load(out var warning).Find(W1, Api));
        Assert.Null(warning);
        Assert.Equal(["state.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("state.json")));
    }

    [Fact]
    public void Should_read_the_kept_file_when_a_killed_save_left_its_temp_file_behind()
    {
        using var dir = new TempDirectory();
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        File.WriteAllBytes(dir.File("state.json"), history.Write());
        File.WriteAllText(dir.File(".state.json.tmp"), "{\"version\":1,\"no");

        var read = new PullHistoryFile(dir.File("state.json")).Load(out var warning);

        Assert.Equal((1, null), (read.Count, warning));
    }

    private static NodeInventory Inventory(params ImageRef[] images) =>
        new(W1, images.Select(i => new NodeImage("sha256:" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(i.ToString()))[..8], [i], [], 1)).ToList(), []);
}
