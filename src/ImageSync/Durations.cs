using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageSync;

/// <summary>
/// Durations as config files write them (<c>500ms</c>, <c>30s</c>, <c>10m</c>, <c>1h</c>, <c>1d</c>) and as messages show them.
/// In the root namespace: the settings read them and every room shows them, the domain included.
/// </summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success) return false;
        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value;
        double? millis = unit switch
        {
            "ms" or "millis" or "millisecond" or "milliseconds" => number,
            "s" or "second" or "seconds" => number * 1_000,
            "m" or "minute" or "minutes" => number * 60_000,
            "h" or "hour" or "hours" => number * 3_600_000,
            "d" or "day" or "days" => number * 86_400_000,
            _ => null,
        };
        if (millis is null || millis > TimeSpan.MaxValue.TotalMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(millis.Value);
        return true;
    }

    /// <summary>A measured time (a pull, a sync, a retry's wait), always in seconds with one decimal: <c>12.7s</c>.</summary>
    public static string Elapsed(TimeSpan value) => value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    /// <summary>A configured duration, as a config file would write it: <c>10m</c>, <c>500ms</c>.</summary>
    public static string Show(TimeSpan value) =>
        value.TotalDays >= 1 && value.TotalDays % 1 == 0 ? $"{value.TotalDays}d"
        : value.TotalHours >= 1 && value.TotalHours % 1 == 0 ? $"{value.TotalHours}h"
        : value.TotalMinutes >= 1 && value.TotalMinutes % 1 == 0 ? $"{value.TotalMinutes}m"
        : value.TotalSeconds % 1 == 0 ? $"{value.TotalSeconds}s"
        : $"{value.TotalMilliseconds}ms";

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
