using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageSync.Logging;

/// <summary>
/// Deletes day files past their retention, as the bash tool's cleanup did, but only regular files whose
/// names are exactly one of the three patterns, directly inside the log dir. Symlinks, directories and
/// look-alike names are never touched.
/// </summary>
public static partial class LogRetention
{
    /// <returns>The names of the files deleted.</returns>
    public static IReadOnlyList<string> Prune(string dir, DateOnly today, int retentionDays)
    {
        var oldest = today.AddDays(-retentionDays);
        var deleted = new List<string>();
        foreach (var file in new DirectoryInfo(dir).EnumerateFiles())
        {
            if (!IsExpired(file.Name, oldest)) continue;
            // Re-check the entry itself right before deleting: a symlink named like a log must not lead us elsewhere.
            if (file.LinkTarget is not null || (file.Attributes & FileAttributes.ReparsePoint) != 0) continue;
            file.Delete();
            deleted.Add(file.Name);
        }
        return deleted;
    }

    internal static bool IsExpired(string name, DateOnly oldest)
    {
        var match = DayFileName().Match(name);
        return match.Success
            && DateOnly.TryParseExact(match.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && day < oldest;
    }

    [GeneratedRegex(@"^(?:image-sync|success_images|failed_images)-([0-9]{4}-[0-9]{2}-[0-9]{2})\.log\z", RegexOptions.CultureInvariant)]
    private static partial Regex DayFileName();
}
