namespace ImageSync.Cli;

/// <summary>A parsed command line, or the usage error that stops it.</summary>
public sealed record CommandLine(string Command, string ConfigPath)
{
    public const string Usage = """
        usage: image-sync run --config FILE

          run     sync the nodes once and exit (for cron)

        options:
          --config FILE   HOCON config laid over the built-in defaults (see hocon/image-sync.conf)
          --help          show this text

        exit codes: 0 in sync, 1 another run holds the lock, 2 bad config or usage,
                    3 finished with failures, 130/143 interrupted by SIGINT/SIGTERM
        """;

    private static readonly string[] Commands = ["run"];

    /// <exception cref="UsageException">The arguments do not form a command.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) throw new UsageException("no command given");
        var command = args[0];
        if (!Commands.Contains(command)) throw new UsageException($"unknown command '{command}'");
        string? config = null;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Count:
                    config = args[++i];
                    break;
                case "--config":
                    throw new UsageException("--config needs a file name");
                default:
                    throw new UsageException($"unknown option '{args[i]}'");
            }
        }
        return new CommandLine(command, config ?? throw new UsageException("--config FILE is required"));
    }
}

public sealed class UsageException(string message) : Exception(message);
