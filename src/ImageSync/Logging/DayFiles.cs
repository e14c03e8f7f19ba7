using Serilog;
using Serilog.Configuration;
using Serilog.Events;

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

    /// <summary>Creates the log directory (0750) if it is missing, and proves today's files can be written there.</summary>
    /// <exception cref="IOException">The directory or a day file cannot be created or written.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write there.</exception>
    public static void Prepare(string dir, DateOnly today)
    {
        if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, DirectoryMode);
        foreach (var stem in Stems) CreateOwnerAndGroupReadable(Path.Combine(dir, NameFor(stem, today)));
    }

    /// <summary>Writes events into <c>{stem}-YYYY-MM-DD.log</c> under <paramref name="dir"/>, by each event's own date.</summary>
    public static LoggerConfiguration DayFile(this LoggerSinkConfiguration to, string dir, string stem, string outputTemplate) =>
        to.Map(
            DayOf,
            (day, sink) => sink.File(
                CreateOwnerAndGroupReadable(Path.Combine(dir, NameFor(stem, day))),
                outputTemplate: outputTemplate,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                // A cron run and a daemon (or a run refused by the lock) may append to the same day file.
                shared: true),
            // Only today's file stays open; yesterday's is closed when the first line of a new day arrives.
            sinkMapCountLimit: 1);

    private static DateOnly DayOf(LogEvent logEvent) => DateOnly.FromDateTime(logEvent.Timestamp.DateTime);

    /// <summary>Creates the file 0640 before Serilog opens it (its lifecycle hooks do not work on shared files).</summary>
    private static string CreateOwnerAndGroupReadable(string path)
    {
        using (new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.ReadWrite, UnixCreateMode = FileMode }))
        {
        }
        return path;
    }
}
