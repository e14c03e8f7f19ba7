using System.Text;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.State;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

public sealed class PullHistorySpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly DiskPolicy Backoff = new(0.8, 0, 2, DiskOrder.SmallestFirst, TimeSpan.FromHours(6), TimeSpan.FromHours(48));
    private static readonly NodeName W1 = NodeName.Parse("w1");
    private static readonly ImageRef Api = TestData.Image("api:1");

    [Fact]
    public void Should_hold_an_image_back_for_the_backoff_when_it_was_removed_after_image_sync_pulled_it()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(), null, T0.AddMinutes(15), Backoff);

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
            backoffs.Add(history.Reckon(Inventory(), null, now, Backoff).HeldBack[Api] - now);
        }

        Assert.Equal([6, 12, 24, 48, 48], backoffs.Select(b => b.TotalHours));
    }

    [Fact]
    public void Should_neither_report_nor_hold_back_an_image_the_node_still_lists()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(Api), null, T0.AddHours(1), Backoff);

        Assert.Empty(reckoning.Removed);
        Assert.Empty(reckoning.HeldBack);
    }

    [Fact]
    public void Should_report_a_removal_once_and_keep_holding_back_until_the_backoff_ends()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Reckon(Inventory(), null, T0.AddMinutes(15), Backoff);

        var later = history.Reckon(Inventory(), null, T0.AddHours(1), Backoff);
        var afterBackoff = history.Reckon(Inventory(), null, T0.AddHours(7), Backoff);

        Assert.Empty(later.Removed);
        Assert.Contains(Api, later.HeldBack.Keys);
        Assert.Empty(afterBackoff.HeldBack);
    }

    [Fact]
    public void Should_forget_an_image_the_node_kept_for_longer_than_the_cap()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        history.Reckon(Inventory(Api), null, T0.AddHours(49), Backoff);

        Assert.Null(history.Find(W1, Api));
    }

    [Fact]
    public void Should_not_count_a_pull_that_verification_found_missing_as_removed_later()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Unpulled(W1, Api);

        Assert.Empty(history.Reckon(Inventory(), null, T0.AddHours(1), Backoff).Removed);
    }

    [Fact]
    public void Should_read_back_what_it_wrote()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Pulled(NodeName.Parse("w2"), TestData.Image("web:2"), T0);
        history.Reckon(Inventory(), null, T0.AddMinutes(15), Backoff);

        var read = PullHistory.Read(history.Write());

        Assert.Equal(history.Find(W1, Api), read.Find(W1, Api));
        Assert.Equal(new PullHistory.Entry(T0, 0, null), read.Find(NodeName.Parse("w2"), TestData.Image("web:2")));
        Assert.Equal(2, read.Count);
    }

    [Fact]
    public void Should_clear_a_node_s_history_and_say_why_when_its_machine_id_changed()
    {
        var history = new PullHistory();
        history.Reckon(Inventory(), Machine('a'), T0, Backoff);
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(), Machine('b'), T0.AddMinutes(15), Backoff);

        Assert.Equal("machine-id changed", reckoning.Replaced);
        Assert.Empty(reckoning.Removed);
        Assert.Empty(reckoning.HeldBack);
        Assert.Null(history.Find(W1, Api));
        Assert.Equal(Machine('b'), history.IdentityOf(W1));
    }

    [Fact]
    public void Should_clear_a_node_s_history_when_its_image_store_was_made_anew_on_the_same_machine()
    {
        var history = new PullHistory();
        history.Reckon(Inventory(), Machine('a', inode: 10), T0, Backoff);
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(), Machine('a', inode: 11), T0.AddMinutes(15), Backoff);

        Assert.Equal("its image store /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs was made anew", reckoning.Replaced);
        Assert.Empty(reckoning.HeldBack);
    }

    [Fact]
    public void Should_keep_holding_back_when_the_identity_is_the_same_or_could_not_be_read()
    {
        var history = new PullHistory();
        history.Reckon(Inventory(), Machine('a'), T0, Backoff);
        history.Pulled(W1, Api, T0);

        var same = history.Reckon(Inventory(), Machine('a'), T0.AddMinutes(15), Backoff);
        var unread = history.Reckon(Inventory(), null, T0.AddMinutes(30), Backoff);

        Assert.Null(same.Replaced);
        Assert.Contains(Api, same.HeldBack.Keys);
        Assert.Null(unread.Replaced);
        Assert.Contains(Api, unread.HeldBack.Keys);
        Assert.Equal(Machine('a'), history.IdentityOf(W1));
    }

    [Fact]
    public void Should_take_a_first_identity_for_a_history_written_without_one_and_clear_nothing()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(Api), Machine('a'), T0.AddMinutes(15), Backoff);

        Assert.Null(reckoning.Replaced);
        Assert.NotNull(history.Find(W1, Api));
        Assert.Equal(Machine('a'), history.IdentityOf(W1));
    }

    [Fact]
    public void Should_not_compare_stores_read_at_different_places()
    {
        var history = new PullHistory();
        history.Reckon(Inventory(), Machine('a'), T0, Backoff);
        history.Pulled(W1, Api, T0);
        var elsewhere = new NodeIdentity(null, new ImageStoreIdentity("/var/lib/containerd", 99, "0"));

        var reckoning = history.Reckon(Inventory(), elsewhere, T0.AddMinutes(15), Backoff);

        Assert.Null(reckoning.Replaced);
        Assert.Equal(new NodeIdentity(new string('a', 32), elsewhere.Store), history.IdentityOf(W1));
    }

    [Fact]
    public void Should_read_back_the_identities_it_wrote()
    {
        var history = new PullHistory();
        history.Reckon(Inventory(), Machine('a'), T0, Backoff);
        history.Pulled(W1, Api, T0);

        var read = PullHistory.Read(history.Write());

        Assert.Equal(Machine('a'), read.IdentityOf(W1));
        Assert.Equal(history.Find(W1, Api), read.Find(W1, Api));
    }

    [Fact]
    public void Should_keep_whose_pins_are_whose_until_the_image_leaves_the_node()
    {
        var history = new PullHistory();
        var web = TestData.Image("web:2");
        history.Apply(new PinChange(W1, Api, PinOwner.ImageSync, "pinned"));
        history.Apply(new PinChange(W1, web, PinOwner.Operator, "pinned already, not by image-sync"));

        var read = PullHistory.Read(history.Write());
        var reckoning = read.Reckon(Inventory(web), null, T0, Backoff);

        Assert.Equal(new Dictionary<ImageRef, PinOwner> { [web] = PinOwner.Operator }, reckoning.PinsKnown);
        Assert.Null(read.PinOf(W1, Api));
    }

    [Fact]
    public void Should_forget_a_pin_when_told_and_every_pin_of_a_replaced_node()
    {
        var history = new PullHistory();
        history.Reckon(Inventory(Api), Machine('a'), T0, Backoff);
        history.Apply(new PinChange(W1, Api, PinOwner.ImageSync, "pinned"));
        var kept = history.Reckon(Inventory(Api), Machine('a'), T0.AddMinutes(15), Backoff);

        var replaced = history.Reckon(Inventory(Api), Machine('b'), T0.AddMinutes(30), Backoff);
        history.Apply(new PinChange(W1, Api, PinOwner.ImageSync, "pinned"));
        history.Apply(new PinChange(W1, Api, null, "unpinned: no longer declared with pin = on"));

        Assert.Equal(PinOwner.ImageSync, kept.PinsKnown[Api]);
        Assert.Equal(("machine-id changed", 0), (replaced.Replaced, replaced.PinsKnown.Count));
        Assert.Null(history.PinOf(W1, Api));
    }

    [Fact]
    public void Should_say_a_reading_changed_what_is_kept_only_when_it_did()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var firstIdentity = history.Reckon(Inventory(Api), Machine('a'), T0.AddMinutes(15), Backoff);
        var same = history.Reckon(Inventory(Api), Machine('a'), T0.AddMinutes(30), Backoff);
        var removal = history.Reckon(Inventory(), Machine('a'), T0.AddMinutes(45), Backoff);
        var emptyNode = new PullHistory().Reckon(Inventory(), Machine('a'), T0, Backoff);

        Assert.Equal((true, false, true, false), (firstIdentity.Changed, same.Changed, removal.Changed, emptyNode.Changed));
    }

    [Fact]
    public void Should_read_a_state_file_of_the_version_before_identities()
    {
        var read = PullHistory.Read("""
            {"version":1,"nodes":{"w1":{"registry.example.com/team/api:1":{"removals":1,"notBefore":"2026-12-02T18:00:00+00:00"}}}}
            """u8);

        Assert.Equal(new PullHistory.Entry(null, 1, T0.AddHours(6)), read.Find(W1, Api));
        Assert.Null(read.IdentityOf(W1));
    }

    [Theory]
    [InlineData("{\"version\":1,\"nodes\":{\"w1\":{\"registry.example.com/team/api:1\":{\"pulledAt\":")]
    [InlineData("{\"version\":2,\"nodes\":{\"w1\":{\"identity\":{},\"images\":{}}}}")]
    [InlineData("{\"version\":2,\"nodes\":{\"w1\":{\"identity\":null}}}")]
    [InlineData("{\"version\":2,\"nodes\":{\"w1\":{\"identity\":null,\"images\":{},\"pins\":{\"registry.example.com/team/api:1\":\"someone\"}}}}")]
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

    private static NodeIdentity Machine(char id, long inode = 10) =>
        new(new string(id, 32), new ImageStoreIdentity("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", inode, "1796594116.249108491"));

    private static NodeInventory Inventory(params ImageRef[] images) =>
        new(W1, images.Select(i => new NodeImage("sha256:" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(i.ToString()))[..8], [i], [], 1)).ToList(), []);
}
