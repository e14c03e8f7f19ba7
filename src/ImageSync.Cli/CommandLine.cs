using ImageSync.Domain;

namespace ImageSync.Cli;

/// <summary>A parsed command line, or the usage error that stops it.</summary>
/// <param name="Json">Print one JSON document on stdout, and nothing else there.</param>
/// <param name="Quiet">Print only the final summary.</param>
public sealed record CommandLine(string Command, string ConfigPath, bool Json, bool Quiet)
{
    public const string Usage = """
        usage: image-sync <command> --config FILE [--json] [--quiet]

        commands:
          run     sync the nodes once and exit (for cron): every node pulls the matching images others have
          plan    read every node and show what `run` would pull where, with sizes and drift; change nothing
          check   validate the config, then per node: host key, login, `echo ok`, crictl's image list
          daemon  sync at start and then every daemon.interval until stopped (SIGTERM); SIGHUP reloads the config

        options:
          --config FILE   HOCON config laid over the built-in defaults (see hocon/image-sync.conf)
          --json          print one JSON document on stdout (nodes, plan, outcomes, drift, totals, exit code)
          --quiet         print only the final summary
          --help          show this text

        exit codes: 0 in sync / all passed, 1 another run holds the lock, 2 bad config or usage,
                    3 finished with failures or an unreachable node, 130/143 interrupted by SIGINT/SIGTERM
        """;

    private static readonly Dictionary<string, SyncMode> SyncCommands = new()
    {
        ["run"] = SyncMode.Run,
        ["plan"] = SyncMode.Plan,
        ["check"] = SyncMode.Check,
    };

    public bool IsDaemon => Command == "daemon";

    /// <summary>What a one-shot command asks of the coordinator (not meaningful for the daemon).</summary>
    public SyncMode Mode => SyncCommands.GetValueOrDefault(Command, SyncMode.Run);

    /// <exception cref="UsageException">The arguments do not form a command.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) throw new UsageException("no command given");
        var command = args[0];
        if (!SyncCommands.ContainsKey(command) && command != "daemon") throw new UsageException($"unknown command '{command}'");
        string? config = null;
        bool json = false, quiet = false;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Count:
                    config = args[++i];
                    break;
                case "--config":
                    throw new UsageException("--config needs a file name");
                case "--json":
                    json = true;
                    break;
                case "--quiet":
                    quiet = true;
                    break;
                default:
                    throw new UsageException($"unknown option '{args[i]}'");
            }
        }
        return new CommandLine(command, config ?? throw new UsageException("--config FILE is required"), json, quiet);
    }
}

public sealed class UsageException(string message) : Exception(message);
