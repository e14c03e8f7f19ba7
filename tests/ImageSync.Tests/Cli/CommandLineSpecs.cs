using System.Text.RegularExpressions;
using ImageSync.Cli;
using ImageSync.Cli.Commands;
using Spectre.Console.Cli.Testing;
using Spectre.Console.Testing;

namespace ImageSync.Tests.Cli;

/// <summary>The command line as Spectre.Console.Cli parses it from the app's declarations, run in process.</summary>
public sealed partial class CommandLineSpecs
{
    private const string Missing = "/nonexistent/image-sync.conf";
    private readonly StringWriter _errors = new();

    public static TheoryData<string> Commands => new() { "run", "plan", "check", "daemon", "config", "validate", "import-config" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Should_accept_every_option_its_help_shows_and_refuse_every_other(string command)
    {
        var help = (await Tester().RunAsync([command, "--help"])).Output;
        var options = OptionPattern().Matches(help).Where(m => m.Groups[1].Value != "--help")
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Any(m => m.Groups[2].Success));
        var shown = options.Keys.ToHashSet();

        foreach (var (option, takesValue) in options)
        {
            string[] value = takesValue ? ["x"] : [];
            var args = option == "--config" ? new[] { command, "--config", Missing } : [command, "--config", Missing, option, .. value];
            var accepted = await Tester().RunAsync(args);
            Assert.Equal(ExitCodes.BadConfig, accepted.ExitCode);
            Assert.IsAssignableFrom<ConfigOptions>(accepted.Settings);
        }
        foreach (var option in new[] { "--config", "--json", "--quiet" }.Except(shown))
        {
            var errors = new StringWriter();
            string[] operand = command == "import-config" ? ["old.conf"] : [];
            Assert.Equal(ExitCodes.BadConfig, await ImageSyncApp.RunAsync([command, .. operand, option, "x"], new TestConsole(), errors));
            Assert.StartsWith($"image-sync: {command} does not take '{option}'", errors.ToString());
        }
        Assert.Contains($"image-sync {command}", help);
        Assert.Contains("Exit codes:", help);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Should_show_the_same_help_for_help_command_and_command_help(string command)
    {
        Assert.Equal(await Run(command, "--help"), await Run("help", command));
        Assert.Contains($"    {command} ", await Run("--help"));
    }

    [Theory]
    [InlineData("run", "--quite", "--quiet")]
    [InlineData("plan", "--jsn", "--json")]
    [InlineData("check", "--confg", "--config")]
    public async Task Should_suggest_the_option_meant_when_one_is_misspelt(string command, string typed, string meant)
    {
        var exitCode = await ImageSyncApp.RunAsync([command, "--config", Missing, typed], new TestConsole(), _errors);

        Assert.Equal(ExitCodes.BadConfig, exitCode);
        Assert.StartsWith($"image-sync: {command} does not take '{typed}', did you mean '{meant}'? (see image-sync {command} --help)", _errors.ToString());
    }

    [Fact]
    public async Task Should_suggest_nothing_for_an_option_like_none_of_the_commands()
    {
        await ImageSyncApp.RunAsync(["run", "--config", Missing, "--bogus"], new TestConsole(), _errors);

        Assert.StartsWith("image-sync: run does not take '--bogus' (see image-sync run --help)", _errors.ToString());
    }

    [Fact]
    public async Task Should_parse_a_sync_command_line_with_the_config_in_any_spelling()
    {
        foreach (var args in new[] { new[] { "plan", "--json", "--config", "/etc/x.conf" }, ["plan", "--json", "-c", "/etc/x.conf"], ["plan", "--json", "--config=/etc/x.conf"] })
        {
            var parsed = Assert.IsType<PlanOptions>((await Tester().RunAsync(args)).Settings);

            Assert.Equal(("/etc/x.conf", true), (parsed.Config, parsed.Json));
        }
    }

    [Fact]
    public async Task Should_take_the_old_config_as_the_one_argument_of_import_config()
    {
        var parsed = await Tester().RunAsync(["import-config", Missing]);

        Assert.Equal(Missing, Assert.IsType<ImportConfigOptions>(parsed.Settings).OldConfig);
        Assert.Equal(ExitCodes.BadConfig, (await Tester().RunAsync(["import-config"])).ExitCode);
        Assert.Equal(ExitCodes.BadConfig, (await Tester().RunAsync(["import-config", "a.conf", "b.conf"])).ExitCode);
        Assert.Equal(ExitCodes.BadConfig, (await Tester().RunAsync(["import-config", "--config", "a.conf"])).ExitCode);
    }

    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "sync" }, "Unknown command 'sync'")]
    [InlineData(new[] { "help", "sync" }, "Unknown command 'sync'")]
    [InlineData(new[] { "run", "--config" }, "Option 'config' is defined but no value has been provided")]
    [InlineData(new[] { "run", "--config", Missing, "--verbose" }, "run does not take '--verbose'")]
    public async Task Should_refuse_a_command_line_naming_what_is_wrong_with_exit_2(string[] args, string why)
    {
        var exitCode = await ImageSyncApp.RunAsync(args, new TestConsole(), _errors);

        Assert.Equal(ExitCodes.BadConfig, exitCode);
        Assert.StartsWith($"image-sync: {why}", _errors.ToString());
    }

    [Fact]
    public void Should_look_for_the_config_in_the_environment_then_in_etc_and_name_both_when_neither_is_there()
    {
        var options = new ConfigOptions();

        Assert.Equal("/srv/x.conf", options.ConfigPath(name => name == ConfigOptions.PathVariable ? "/srv/x.conf" : null));
        Assert.Equal("/a.conf", new ConfigOptions { Config = "/a.conf" }.ConfigPath(_ => "/srv/x.conf"));
        if (File.Exists(ConfigOptions.DefaultPath)) return;
        var missing = Assert.Throws<ImageSync.Configuration.ConfigException>(() => options.ConfigPath(_ => null));
        Assert.Contains(ConfigOptions.PathVariable, missing.Message);
        Assert.Contains(ConfigOptions.DefaultPath, missing.Message);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public async Task Should_print_the_version(string argument)
    {
        Assert.Equal(ProductVersion.Text, (await Run(argument)).Trim());
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

    private CommandAppTester Tester()
    {
        var tester = new CommandAppTester();
        tester.Configure(config => ImageSyncApp.Configure(config, tester.Console, _errors));
        return tester;
    }

    private async Task<string> Run(params string[] args)
    {
        var console = new TestConsole().Width(200);
        await ImageSyncApp.RunAsync(args, console, _errors);
        return console.Output;
    }

    /// <summary>An option in a command's help, and whether a value follows it.</summary>
    [GeneratedRegex(@"(--[a-z][a-z-]*)( <)?")]
    private static partial Regex OptionPattern();
}
