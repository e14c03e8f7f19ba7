using Akka.Hosting;
using Akka.Logger.Serilog;
using ImageSync.Configuration;
using ImageSync.Logging;
using ImageSync.Nodes;
using Serilog;

namespace ImageSync.Cli;

/// <summary>Serilog for a run: the run log day file, and plain lines on the console for cron mails and terminals.</summary>
internal static class RunLogging
{
    private const string FileTemplate = Timestamps.Token + " [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <param name="dayFiles">Write the run log day file (only `run` does; `plan` and `check` change nothing).</param>
    /// <param name="consoleLines">Echo the run log as plain lines on stdout (cron mails, pipes).</param>
    /// <returns>What counts the run log's lines that could not be written; give it to the <see cref="Journal"/>.</returns>
    /// <exception cref="ConfigException">The log directory cannot be created or written.</exception>
    public static DayFileHealth Configure(LogSettings logs, bool dayFiles, bool consoleLines)
    {
        var health = new DayFileHealth(logs.Dir);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(logs.Level)
            .MinimumLevel.Override("Akka", Serilog.Events.LogEventLevel.Warning)
            // A replica lost is worded once by ReplicaMembership; remoting and the cluster would add a handful of
            // warnings and errors with stack traces for each peer that goes away, a normal event for a cluster.
            .MinimumLevel.Override("Akka.Cluster", Serilog.Events.LogEventLevel.Error)
            .MinimumLevel.Override("Akka.Remote", Serilog.Events.LogEventLevel.Fatal)
            .Filter.ByExcluding(FromRemoting);
        if (dayFiles && logs.DayFiles)
        {
            try
            {
                DayFiles.Prepare(logs.Dir, DateOnly.FromDateTime(DateTime.Now));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException([$"image-sync.logs.dir: cannot write day files in '{logs.Dir}': {e.Message}"]);
            }
            configuration.WriteTo.DayFile(logs.Dir, DayFiles.RunLog, FileTemplate, health);
        }
        var console = ConsoleFormat(logs.Format);
        configuration.WriteTo.Logger(lines =>
        {
            lines.Filter.ByExcluding(Serilog.Filters.Matching.WithProperty(RunLogOnlyProperty));
            if (consoleLines) lines.WriteTo.Console(console);
            // Without the lines, errors (a refused host key, an internal error) still reach the operator.
            else lines.WriteTo.Console(console, restrictedToMinimumLevel: Serilog.Events.LogEventLevel.Error, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose);
        });
        Log.Logger = configuration.CreateLogger();
        return health;
    }

    private const string RunLogOnlyProperty = "RunLogOnly";

    /// <summary>JSON for a log shipper (one object a line: @t in ISO 8601, @l, @m, and the properties), else text lines.</summary>
    private static Serilog.Formatting.ITextFormatter ConsoleFormat(LogFormat format) =>
        format == LogFormat.Json ? new Serilog.Formatting.Compact.RenderedCompactJsonFormatter() : JournalPriorities.For(Environment.GetEnvironmentVariable);

    /// <summary>For a line its caller also words on stderr itself: it goes to the run log, never to the console.</summary>
    public static ILogger RunLogOnly => Log.ForContext(RunLogOnlyProperty, true);

    /// <summary>Remoting's lines logged under a plain source name or by its endpoints' supervisors, which the overrides above miss.</summary>
    private static bool FromRemoting(Serilog.Events.LogEvent line) =>
        line.Level < Serilog.Events.LogEventLevel.Fatal
        && line.Properties.TryGetValue("LogSource", out var source) && source is Serilog.Events.ScalarValue { Value: string name }
        && (name.StartsWith("remoting ", StringComparison.Ordinal) || name.Contains("/system/endpointManager/", StringComparison.Ordinal)
            || name.Contains("/system/transports/", StringComparison.Ordinal));

    /// <summary>The day files' journal; the lines it and the run log could not write are reported once per sync on stderr.</summary>
    public static ISyncJournal Journal(LogSettings logs, DayFileHealth health) =>
        new HealthReportingJournal(new DayFileJournal(Log.Logger, logs.DayFiles ? logs.Dir : null, logs.RetentionDays, TimeProvider.System, health), health, ReportOnStderr);

    // Not through Log.Logger: its run log is what cannot be written.
    private static readonly Lazy<ILogger> Stderr = new(() => new LoggerConfiguration()
        .WriteTo.Console(JournalPriorities.For(Environment.GetEnvironmentVariable), standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
        .CreateLogger());

    private static void ReportOnStderr(string lost) => Stderr.Value.Error("{Lost}", lost);

    /// <summary>Akka's own log lines go to the same Serilog logger.</summary>
    public static void Akka(LoggerConfigBuilder loggers)
    {
        loggers.ClearLoggers();
        loggers.AddSerilogLogging();
    }

    /// <summary>The transport the config asks for; a host key accepted without a match is logged as a warning.</summary>
    /// <exception cref="ConfigException">The SSH key cannot be used.</exception>
    public static INodeTransport Transport(ImageSyncSettings settings) =>
        NodeTransports.Create(settings, Environment.GetEnvironmentVariable, warning => Log.Warning("{Warning}", warning));
}
