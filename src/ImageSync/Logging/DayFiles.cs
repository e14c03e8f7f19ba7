using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Serilog.Sinks.File;

namespace ImageSync.Logging;

/// <summary>
/// The three day-rotated files of the bash tool, with its exact names. A line goes into the file of the
/// local day its event carries, so a daemon that runs past midnight switches files by itself.
/// </summary>
public static class DayFiles
{
    public const string RunLog = "image-sync";
    public const string SuccessLog = "success_images";
    public const string FailedLog = "failed_images";

    public static readonly IReadOnlyList<string> Stems = [RunLog, SuccessLog, FailedLog];

    /// <summary>Log dir 0750: operators in the group may read, nobody else.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>Log files 0640.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    public static string NameFor(string stem, DateOnly day) => $"{stem}-{day:yyyy-MM-dd}.log";

    /// <summary>Creates the log directory (0750) if it is missing.</summary>
    public static void EnsureDirectory(string dir)
    {
        if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, DirectoryMode);
    }

    /// <summary>Writes events into <c>{stem}-YYYY-MM-DD.log</c> under <paramref name="dir"/>, by each event's own date.</summary>
    public static LoggerConfiguration DayFile(this LoggerSinkConfiguration to, string dir, string stem, string outputTemplate) =>
        to.Map(
            DayOf,
            (day, sink) => sink.File(
                Path.Combine(dir, NameFor(stem, day)),
                outputTemplate: outputTemplate,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                hooks: new OwnerAndGroupReadable()),
            // Only today's file stays open; yesterday's is closed when the first line of a new day arrives.
            sinkMapCountLimit: 1);

    private static DateOnly DayOf(LogEvent logEvent) => DateOnly.FromDateTime(logEvent.Timestamp.DateTime);

    private sealed class OwnerAndGroupReadable : FileLifecycleHooks
    {
        public override Stream OnFileOpened(string path, Stream underlyingStream, System.Text.Encoding encoding)
        {
            File.SetUnixFileMode(path, FileMode);
            return underlyingStream;
        }
    }
}
