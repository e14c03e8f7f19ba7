using System.Text.RegularExpressions;
using ImageSync.Cli;
using ImageSync.Domain;

namespace ImageSync.Tests.Cli;

public sealed partial class CommandLineSpecs
{
    public static TheoryData<string> Commands => new() { "run", "plan", "check", "daemon", "import-config" };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Should_accept_every_option_its_help_shows_and_refuse_every_other(string command)
    {
        var help = Help(command, "--help");
        var shown = OptionPattern().Matches(help).Select(m => m.Value).Where(o => o != "--help").ToHashSet();

        foreach (var option in shown)
        {
            var args = option == "--config" ? new[] { command, "--config", "f.conf" } : [command, "--config", "f.conf", option];
            Assert.IsType<CommandLine>(CommandLine.Parse(args));
        }
        foreach (var option in new[] { "--config", "--json", "--quiet" }.Except(shown))
        {
            var refused = Assert.Throws<UsageException>(() => CommandLine.Parse([command, option, "x"]));
            Assert.Contains($"{command} does not take '{option}'", refused.Message);
        }
        Assert.StartsWith($"usage: image-sync {command}", help);
        Assert.Contains("exit codes:", help);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Should_show_the_same_help_for_help_command_and_command_help(string command)
    {
        Assert.Equal(Help(command, "--help"), Assert.IsType<Invocation.ShowHelp>(CommandLine.Parse(["help", command])).Text);
        Assert.Contains($"  {command} ", CommandLine.Usage);
    }

    [Fact]
    public void Should_parse_a_sync_command_line()
    {
        var parsed = Assert.IsType<CommandLine>(CommandLine.Parse(["plan", "--json", "--config", "/etc/image-sync.conf"]));

        Assert.Equal(new CommandLine("plan", "/etc/image-sync.conf", Json: true, Quiet: false), parsed);
        Assert.Equal(SyncMode.Plan, parsed.Mode);
        Assert.False(parsed.IsDaemon);
    }

    [Fact]
    public void Should_take_the_old_config_as_the_one_argument_of_import_config()
    {
        Assert.Equal(new Invocation.ImportConfig("/etc/image-sync.conf"), CommandLine.Parse(["import-config", "/etc/image-sync.conf"]));
        Assert.Throws<UsageException>(() => CommandLine.Parse(["import-config"]));
        Assert.Throws<UsageException>(() => CommandLine.Parse(["import-config", "a.conf", "b.conf"]));
        Assert.Throws<UsageException>(() => CommandLine.Parse(["import-config", "--config", "a.conf"]));
    }

    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "sync" }, "unknown command 'sync'")]
    [InlineData(new[] { "help", "sync" }, "unknown command 'sync'")]
    [InlineData(new[] { "run" }, "--config FILE is required")]
    [InlineData(new[] { "run", "--config" }, "--config needs a file name")]
    [InlineData(new[] { "run", "--config", "f", "--verbose" }, "run does not take '--verbose'")]
    public void Should_refuse_a_command_line_naming_what_is_wrong(string[] args, string why)
    {
        Assert.Equal(why, Assert.Throws<UsageException>(() => CommandLine.Parse(args)).Message.Split(" (see")[0]);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public void Should_ask_for_the_version(string argument)
    {
        Assert.Same(Invocation.ShowVersion.Instance, CommandLine.Parse([argument]));
    }

    [Theory]
    [InlineData("1.0.0+cb21ad6b47353631f71e1063ec89778d37df1e1e", "image-sync 1.0.0 (commit cb21ad6b47353631f71e1063ec89778d37df1e1e)")]
    [InlineData("1.0.0", "image-sync 1.0.0 (commit unknown)")]
    public void Should_print_the_version_and_the_commit(string informational, string expected)
    {
        Assert.Equal(expected, ProductVersion.Describe(informational));
    }

    [Fact]
    public void Should_build_the_running_version_from_a_commit()
    {
        Assert.Matches(@"^image-sync \d+\.\d+\.\d+ \(commit [0-9a-f]{40}\)$", ProductVersion.Text);
    }

    private static string Help(params string[] args) => Assert.IsType<Invocation.ShowHelp>(CommandLine.Parse(args)).Text;

    [GeneratedRegex(@"--[a-z]+")]
    private static partial Regex OptionPattern();
}
