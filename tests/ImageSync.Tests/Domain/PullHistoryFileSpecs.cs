using ImageSync.Domain;
using ImageSync.State;
using ImageSync.Tests.Support;
using static ImageSync.Tests.Domain.PullHistoryFixtures;

namespace ImageSync.Tests.Domain;

/// <summary>The history as a state file: written and read back, an older version read, a corrupt or missing one started afresh, saved whole.</summary>
public sealed class PullHistoryFileSpecs
{
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
}
