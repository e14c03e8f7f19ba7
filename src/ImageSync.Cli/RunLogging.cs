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
    private const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <param name="dayFiles">Write the run log day file (only `run` does; `plan` and `check` change nothing).</param>
    /// <param name="consoleLines">Echo the run log as plain lines on stdout (cron mails, pipes).</param>
    /// <exception cref="ConfigException">The log directory cannot be created or written.</exception>
    public static void Configure(LogSettings logs, bool dayFiles, bool consoleLines)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Akka", Serilog.Events.LogEventLevel.Warning);
        if (dayFiles)
        {
            try
            {
                DayFiles.Prepare(logs.Dir, DateOnly.FromDateTime(DateTime.Now));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException([$"image-sync.logs.dir: cannot write day files in '{logs.Dir}': {e.Message}"]);
            }
            configuration.WriteTo.DayFile(logs.Dir, DayFiles.RunLog, FileTemplate);
        }
        var console = JournalPriorities.For(Environment.GetEnvironmentVariable);
        if (consoleLines) configuration.WriteTo.Console(console);
        // Without the lines, errors (a refused host key, an internal error) still reach the operator.
        else configuration.WriteTo.Console(console, restrictedToMinimumLevel: Serilog.Events.LogEventLevel.Error, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose);
        Log.Logger = configuration.CreateLogger();
    }

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
