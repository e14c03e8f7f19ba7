using ImageSync.Cli.Output;
using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cli;

/// <summary>Where the views go: a terminal's width or COLUMNS, pipes without padding, ASCII where the locale is not UTF-8.</summary>
public sealed class ConsolesSpecs
{
    private static readonly Dictionary<string, string> Cron = new() { ["PATH"] = "/usr/bin" };
    private static readonly Dictionary<string, string> Utf8 = new() { ["LANG"] = "en_US.UTF-8" };

    [Fact]
    public void Should_write_a_table_to_a_pipe_without_trailing_spaces_escape_codes_or_non_ascii_when_the_locale_is_not_utf8()
    {
        var pipe = new StringWriter();

        var console = Consoles.For(pipe, redirected: true, Cron.GetValueOrDefault);
        console.Write(Views.Plan(Plan("api:1.4.2")));

        var lines = pipe.ToString().Split('\n');
        Assert.All(lines, l => Assert.False(l.EndsWith(' '), $"padded: '{l}'"));
        Assert.All(pipe.ToString(), c => Assert.True(c < 128, $"'{c}' is not ASCII"));
        Assert.DoesNotContain('\u001b', pipe.ToString());
        Assert.Contains(lines, l => l.StartsWith("+---") && l.EndsWith("-+"));
    }

    [Fact]
    public void Should_keep_the_box_characters_where_the_locale_is_utf8()
    {
        var pipe = new StringWriter();

        Consoles.For(pipe, redirected: true, Utf8.GetValueOrDefault).Write(Views.Plan(Plan("api:1.4.2")));

        Assert.Contains("╭", pipe.ToString());
    }

    [Theory]
    [InlineData(true, null, 200)]
    [InlineData(true, "100", 100)]
    [InlineData(false, "132", 132)]
    [InlineData(true, "wide", 200)]
    public void Should_lay_out_at_columns_when_set_else_wide_in_a_pipe(bool redirected, string? columns, int width)
    {
        var environment = new Dictionary<string, string>(Utf8);
        if (columns is not null) environment["COLUMNS"] = columns;

        var console = Consoles.For(new StringWriter(), redirected, environment.GetValueOrDefault);

        Assert.Equal(width, console.Profile.Width);
    }

    [Theory]
    [InlineData("LANG", "C.UTF-8", true)]
    [InlineData("LC_ALL", "de_DE.utf8", true)]
    [InlineData("LANG", "C", false)]
    [InlineData("LANG", "", false)]
    public void Should_read_the_locale_as_c_programs_do(string variable, string value, bool utf8)
    {
        Assert.Equal(utf8, Consoles.IsUtf8(new Dictionary<string, string> { [variable] = value }.GetValueOrDefault));
    }

    [Fact]
    public void Should_let_lc_all_decide_over_lang()
    {
        Assert.False(Consoles.IsUtf8(new Dictionary<string, string> { ["LC_ALL"] = "POSIX", ["LANG"] = "en_US.UTF-8" }.GetValueOrDefault));
    }

    [Fact]
    public void Should_never_split_an_image_name_on_a_100_column_terminal()
    {
        var images = new[] { "observability/collector:0.104.0-amd64", "web/frontend-server:2.14.3-alpine" };
        var pipe = new StringWriter();

        Consoles.For(pipe, redirected: true, new Dictionary<string, string>(Utf8) { ["COLUMNS"] = "100" }.GetValueOrDefault)
            .Write(Views.Plan(Plan(images)));

        var lines = pipe.ToString().Split('\n');
        Assert.All(lines, l => Assert.True(l.Length <= 100, $"{l.Length} columns: '{l}'"));
        Assert.All(images, image => Assert.Contains(lines, l => l.Contains(TestData.Image(image).ToString())));
    }

    private static SyncSummary Plan(params string[] images)
    {
        var w1 = NodeName.Parse("worker-1");
        var pulls = images.Select(i => new PlannedPull(NodeName.Parse("worker-2"), TestData.Image(i), 50L << 20, [w1])).ToList();
        return new SyncSummary(SyncMode.Plan, DateTimeOffset.Now, TimeSpan.FromSeconds(1),
            [NodeStatus.Ready(w1, 2, []), NodeStatus.Ready(NodeName.Parse("worker-2"), 0, [])], new SyncPlan(pulls), [], false);
    }
}
