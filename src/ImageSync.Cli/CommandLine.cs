using ImageSync.Domain;

namespace ImageSync.Cli;

/// <summary>What the arguments ask for: a sync or the daemon (<see cref="CommandLine"/>), or one of these.</summary>
public abstract record Invocation
{
    /// <summary>Help text to print on stdout, then exit 0.</summary>
    public sealed record ShowHelp(string Text) : Invocation;

    public sealed record ShowVersion : Invocation
    {
        public static readonly ShowVersion Instance = new();
    }

    /// <summary><c>image-sync import-config OLD.conf</c>.</summary>
    public sealed record ImportConfig(string OldConfigPath) : Invocation;
}

/// <summary>A parsed <c>run | plan | check | daemon</c> command line.</summary>
/// <param name="Json">Print one JSON document on stdout, and nothing else there.</param>
/// <param name="Quiet">Print only the final summary.</param>
public sealed record CommandLine(string Command, string ConfigPath, bool Json, bool Quiet) : Invocation
{
    private sealed record OptionSpec(string Name, string? Value, string Help)
    {
        public string Synopsis => Value is null ? Name : $"{Name} {Value}";
    }

    /// <param name="Operand">The one positional argument the command takes, if any.</param>
    private sealed record CommandSpec(string Name, string Summary, string Details, string ExitCodes, OptionSpec[] Options, string? Operand = null)
    {
        /// <summary>--config is required, so it is shown bare; the switches are optional.</summary>
        public string Synopsis => string.Join(' ', new[] { "image-sync", Name, Operand }
            .Concat(Options.Select(o => o.Value is null ? $"[{o.Synopsis}]" : o.Synopsis))
            .OfType<string>());
    }

    private static readonly OptionSpec Config = new("--config", "FILE", "HOCON config laid over the built-in defaults (hocon/image-sync.conf)");
    private static readonly OptionSpec JsonOption = new("--json", null, "print one JSON document on stdout and nothing else there (the README shows its shape)");
    private static readonly OptionSpec QuietOption = new("--quiet", null, "print only the final summary, not a line per event (cron)");

    private const string SyncExitCodes = "0 in sync, 1 another run holds the lock, 2 bad config or usage, 3 a pull failed or a node was unreachable, 130/143 stopped by SIGINT/SIGTERM";

    private static readonly CommandSpec[] Commands =
    [
        new("run", "sync the nodes once and exit (for cron)",
            """
            Every node pulls the matching images another node has and it lacks. Takes the lock file, writes
            the day files in logs.dir. A terminal gets a live view, a pipe or cron plain lines.
            """,
            SyncExitCodes, [Config, JsonOption, QuietOption]),
        new("plan", "show what `run` would pull where, with sizes and drift; change nothing",
            """
            Reads every node as `run` would, prints the pulls it would start per node and the drift it sees,
            and stops there: no pull, no lock, no day files.
            """,
            "0 planned, 2 bad config or usage, 3 a node was unreachable", [Config, JsonOption]),
        new("check", "validate the config, then per node: host key, login, `echo ok`, crictl's image list",
            """
            Prints one line per node with the reason for each failure. Sends only `echo ok` and
            `crictl images -o json`; changes nothing.
            """,
            "0 every node passed, 2 bad config or usage, 3 a node failed", [Config, JsonOption]),
        new("daemon", "sync at start and then every daemon.interval until stopped",
            """
            SIGTERM or SIGINT stops it (a running sync gets shutdown-grace to finish); SIGHUP reloads the config
            between syncs, keeping the old one when the new one is invalid. Under systemd it reports
            readiness (Type=notify).
            """,
            "0 stopped by a signal, 2 bad config or usage", [Config]),
        new("import-config", "print the HOCON equivalent of the bash tool's KEY=VALUE config",
            """
            Reads OLD.conf as text (it is never run), prints the config on stdout and, on stderr, every
            line it could not carry over.
            """,
            "0 converted, 2 the file cannot be read or holds a line that cannot be converted", [], "OLD.conf"),
    ];

    public static string Usage { get; } = string.Join('\n',
        [
            "usage: image-sync <command> [options]",
            "       image-sync <command> --help      what the command does and the options it takes",
            "       image-sync --version",
            "",
            "commands:",
            .. Commands.Select(c => $"  {c.Name,-15}{c.Summary}"),
            "",
            $"exit codes of run: {SyncExitCodes}",
        ]);

    public bool IsDaemon => Command == "daemon";

    /// <summary>What a one-shot command asks of the coordinator (not meaningful for the daemon).</summary>
    public SyncMode Mode => Command switch
    {
        "plan" => SyncMode.Plan,
        "check" => SyncMode.Check,
        _ => SyncMode.Run,
    };

    /// <exception cref="UsageException">The arguments do not form a command.</exception>
    public static Invocation Parse(IReadOnlyList<string> args)
    {
        switch (args)
        {
            case []:
                throw new UsageException("no command given");
            case ["--help" or "-h" or "help"]:
                return new Invocation.ShowHelp(Usage);
            case ["help", var name]:
                return new Invocation.ShowHelp(HelpFor(Find(name)));
            case ["--version" or "version"]:
                return Invocation.ShowVersion.Instance;
        }
        var command = Find(args[0]);
        var rest = args.Skip(1).ToList();
        if (rest.Any(a => a is "--help" or "-h")) return new Invocation.ShowHelp(HelpFor(command));
        return ParseArguments(command, rest);
    }

    private static Invocation ParseArguments(CommandSpec command, List<string> args)
    {
        string? config = null, operand = null;
        bool json = false, quiet = false;
        for (var i = 0; i < args.Count; i++)
        {
            var option = command.Options.FirstOrDefault(o => o.Name == args[i]);
            if (option is null && command.Operand is not null && !args[i].StartsWith('-'))
            {
                if (operand is not null) throw new UsageException($"{command.Name} takes one argument: {command.Operand}");
                operand = args[i];
            }
            else if (option is null) throw new UsageException($"{command.Name} does not take '{args[i]}' (see image-sync {command.Name} --help)");
            else if (option == Config)
            {
                if (i + 1 >= args.Count) throw new UsageException("--config needs a file name");
                config = args[++i];
            }
            else if (option == JsonOption) json = true;
            else quiet = true;
        }
        if (command.Operand is not null)
            return new Invocation.ImportConfig(operand ?? throw new UsageException($"{command.Name} takes one argument: {command.Operand}"));
        return new CommandLine(command.Name, config ?? throw new UsageException("--config FILE is required"), json, quiet);
    }

    private static CommandSpec Find(string name) =>
        Commands.FirstOrDefault(c => c.Name == name) ?? throw new UsageException($"unknown command '{name}'");

    private static string HelpFor(CommandSpec command) => string.Join('\n',
        [
            $"usage: {command.Synopsis}",
            "",
            $"{char.ToUpperInvariant(command.Summary[0])}{command.Summary[1..]}.",
            command.Details.TrimEnd(),
            .. command.Options.Length == 0 ? Array.Empty<string>() : ["", "options:", .. command.Options.Select(o => $"  {o.Synopsis,-15}{o.Help}")],
            "",
            $"exit codes: {command.ExitCodes}",
        ]);
}

public sealed class UsageException(string message) : Exception(message);
