using System.Globalization;
using System.Text.RegularExpressions;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// Reads POSIX <c>df -P -B1 PATH</c>: a header, then one line of six fields, the last of which (the mount
/// point) may hold spaces. The fields are read from the capacity column outwards, so a space in the mount
/// point, or in the device name, is no problem.
/// </summary>
public static partial class DfOutput
{
    /// <returns>The filesystem holding <paramref name="mountpoint"/>, or null with <paramref name="problem"/> saying why not.</returns>
    public static ImageFilesystem? Parse(string output, string mountpoint, out string? problem)
    {
        problem = null;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in lines.Skip(1))
        {
            var match = LinePattern().Match(line);
            if (!match.Success) continue;
            var size = Number(match, "size");
            var used = Number(match, "used");
            var available = Number(match, "available");
            if (size is > 0 && used is not null && available is not null)
                return new ImageFilesystem(mountpoint, match.Groups["mount"].Value, size.Value, used.Value, available.Value);
        }
        problem = $"df printed no usable line for '{mountpoint}': '{NodeText.Shorten(lines.LastOrDefault() ?? "")}'";
        return null;
    }

    private static long? Number(Match match, string group) =>
        long.TryParse(match.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    [GeneratedRegex(@"^(?<device>.+?)\s+(?<size>[0-9]+)\s+(?<used>[0-9]+)\s+(?<available>[0-9]+)\s+(?<capacity>[0-9]+%|-)\s+(?<mount>/.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LinePattern();
}
