using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageSync;

/// <summary>
/// Byte sizes as config files write them (<c>512KiB</c>, <c>64MiB</c>, <c>1GiB</c>, or plain bytes) and as messages show them.
/// In the root namespace: the settings read them and every room shows them, the domain included.
/// </summary>
public static partial class Sizes
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var match = SizePattern().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return false;
        var shift = match.Groups[2].Value switch
        {
            "" or "B" => 0,
            "KiB" => 10,
            "MiB" => 20,
            "GiB" => 30,
            _ => -1,
        };
        if (shift < 0 || number > long.MaxValue >> shift) return false;
        bytes = number << shift;
        return true;
    }

    /// <summary>A transfer's size as people read it: <c>48.2 MiB</c>.</summary>
    public static string ShowMebibytes(long bytes) => (bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    public static string Show(long bytes) =>
        bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30}GiB"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20}MiB"
        : bytes >= 1L << 10 && bytes % (1L << 10) == 0 ? $"{bytes >> 10}KiB"
        : $"{bytes}B";

    [GeneratedRegex(@"^([0-9]{1,19})\s*([A-Za-z]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
