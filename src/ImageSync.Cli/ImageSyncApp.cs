using ImageSync.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ImageSync.Cli;

/// <summary>The command line: commands, their options and help (generated from these declarations), and exit code 2 for usage errors.</summary>
public static class ImageSyncApp
{
    private const string SyncExitCodes = "0 in sync (pulls the removal backoff holds back count as in sync), 1 another run holds the lock, 2 bad config or usage, 3 a pull failed or a node was unreachable, "
        + "130/143 stopped by SIGINT/SIGTERM";

    /// <param name="console">Standard output: help, views, summaries.</param>
    /// <param name="errors">Standard error: what is wrong with the arguments or the config.</param>
    public static Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console, TextWriter errors)
    {
        if (args.Count == 0) return Task.FromResult(UsageError(errors, "no command given"));
        var app = new CommandApp();
        app.Configure(config => Configure(config, console, errors));
        return app.RunAsync(Spelled(args));
    }

    public static void Configure(IConfigurator config, IAnsiConsole console, TextWriter errors)
    {
        config.SetApplicationName("image-sync");
        config.SetApplicationVersion(ProductVersion.Text);
        config.ConfigureConsole(console);
        config.Settings.Registrar.RegisterInstance(console);
        config.Settings.Registrar.RegisterInstance(errors);
        config.SetExceptionHandler((error, _) => UsageError(errors, error.Message));
        config.AddCommand<RunCommand>("run")
            .WithDescription($"Sync the nodes once and exit (cron): every node pulls the matching images another node has; takes the lock file, writes the day files. Exit codes: {SyncExitCodes}")
            .WithExample("run", "-c", ConfigOptions.DefaultPath)
            .WithExample("run", "--image", "registry.example.com/team/api:2.0", "--node", "worker-7");
        config.AddCommand<PlanCommand>("plan")
            .WithDescription("Show what `run` would pull where, with sizes and drift; change nothing. Exit codes: 0 planned, 2 bad config or usage, 3 a node was unreachable, "
                + "10 pulls are pending (only with --exit-code)")
            .WithExample("plan", "--json")
            .WithExample("plan", "--exit-code", "--node", "worker-7");
        config.AddCommand<ValidateCommand>("validate")
            .WithDescription("Check the config, the key file and known_hosts without contacting any node (CI, config management's validate= hooks). Exit codes: 0 valid, 2 bad config or usage")
            .WithExample("validate", "-c", "/etc/image-sync/image-sync.conf.new");
        config.AddCommand<CheckCommand>("check")
            .WithDescription("Validate the config, then per node: host key, login, `echo ok`, crictl's image list; change nothing. Exit codes: 0 every node passed, 2 bad config or usage, 3 a node failed");
        config.AddCommand<DaemonCommand>("daemon")
            .WithDescription("Sync at start and every daemon.interval until SIGTERM/SIGINT (a running sync gets shutdown-grace); SIGHUP reloads the config between syncs. Exit codes: 0 stopped by a signal, 2 bad config or usage, 4 a part could not start (metrics address, cluster port) or it stopped without a signal");
        config.AddCommand<ConfigCommand>("config")
            .WithDescription("Print every setting in effect, defaults included, each with where its value came from (default, FILE:LINE, environment VAR); change nothing. Exit codes: 0 printed, 2 bad config or usage")
            .WithExample("config", "-c", ConfigOptions.DefaultPath);
        config.AddCommand<ProbeCommand>("probe")
            .WithDescription("Ask the daemon's /healthz or /readyz (daemon.metrics) and exit with its verdict, for a container HEALTHCHECK with no shell or curl. Exit codes: 0 a 2xx answer, 1 any other answer or none, 2 usage")
            .WithExample("probe", "http://127.0.0.1:9464/healthz");
        config.AddCommand<ImportConfigCommand>("import-config")
            .WithDescription("Print the HOCON equivalent of the bash tool's KEY=VALUE config; on stderr, what did not carry over. Exit codes: 0 converted, 2 unreadable or not convertible")
            .WithExample("import-config", "/etc/image-sync/image-sync.conf.old");
    }

    /// <summary>`help`, `help COMMAND` and `version` read as --help and --version, as they did before the options existed.</summary>
    private static IReadOnlyList<string> Spelled(IReadOnlyList<string> args) => args switch
    {
        ["help"] => ["--help"],
        ["help", var command] => [command, "--help"],
        ["version"] => ["--version"],
        _ => args,
    };

    /// <summary>Arguments that do not form a command: what is wrong, then where to look, on stderr; nothing done.</summary>
    private static int UsageError(TextWriter errors, string what)
    {
        errors.WriteLine($"image-sync: {what}");
        errors.WriteLine("usage: image-sync <command> [options]; image-sync --help lists the commands, image-sync <command> --help a command's options");
        return ExitCodes.BadConfig;
    }
}
