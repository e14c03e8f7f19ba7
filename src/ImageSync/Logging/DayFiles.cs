using System.Globalization;
using Serilog;
using Serilog.Configuration;
using Serilog.Formatting.Display;

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
    /// <param name="health">Counts the lines that could not be written; without one they go uncounted.</param>
    public static LoggerConfiguration DayFile(this LoggerSinkConfiguration to, string dir, string stem, string outputTemplate, DayFileHealth? health = null) =>
        to.Sink(new DayFileSink(dir, stem, new MessageTemplateTextFormatter(outputTemplate, CultureInfo.InvariantCulture), health ?? new DayFileHealth(dir)));

    /// <summary>Creates the file 0640 if it is missing, proving it can be written.</summary>
    private static void CreateOwnerAndGroupReadable(string path)
    {
        using (new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.ReadWrite, UnixCreateMode = FileMode }))
        {
        }
    }
}
