using System.Globalization;
using ImageSync.Configuration;
using ImageSync.Logging;
using Serilog;

namespace ImageSync.Cli;

/// <summary>Serilog for a run: the run log day file, and plain lines on the console for cron mails and terminals.</summary>
internal static class RunLogging
{
    private const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}";
    private const string ConsoleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <exception cref="ConfigException">The log directory cannot be created.</exception>
    public static void Configure(LogSettings logs)
    {
        try
        {
            DayFiles.Prepare(logs.Dir, DateOnly.FromDateTime(DateTime.Now));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"image-sync.logs.dir: cannot write day files in '{logs.Dir}': {e.Message}"]);
        }
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Akka", Serilog.Events.LogEventLevel.Warning)
            .WriteTo.DayFile(logs.Dir, DayFiles.RunLog, FileTemplate)
            .WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: CultureInfo.InvariantCulture)
            .CreateLogger();
    }
}
