using ImageSync.Domain;
using ImageSync.Tests.Support;
using static ImageSync.Tests.Domain.PullHistoryFixtures;

namespace ImageSync.Tests.Domain;

/// <summary>A node's identity (machine-id and image store) in the history: a replaced node's history and pins cleared, whose pins are whose kept.</summary>
public sealed class PullHistoryIdentitySpecs
{
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
}
