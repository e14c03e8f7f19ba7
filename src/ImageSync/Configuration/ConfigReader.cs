using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageSync.Configuration;

/// <summary>
/// Typed reads from a merged config tree. A bad value does not stop the reading: it is recorded with its
/// key, value, position and what is allowed, and a harmless stand-in is returned, so one run of the loader
/// reports every problem at once.
/// </summary>
/// <param name="reference">The reference config alone: it holds the shapes of list entries.</param>
internal sealed partial class ConfigReader(HoconObject root, HoconObject reference)
{
    /// <summary>The one key a config file sets at its top.</summary>
    public const string Root = "image-sync";

    private const string Shapes = "image-sync-shapes";
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Records a problem; its position is shown unless it points into the built-in reference config.</summary>
    public void Problem(string key, HoconNode? at, string problem) =>
        _problems.Add(at is null || at.Position.File == SettingsLoader.ReferenceName ? $"{key}: {problem}" : $"{key} ({at.Position}): {problem}");

    public HoconNode? Node(string key) => root.Find(key);

    /// <summary>Whether the value is the reference config's own, neither set by a config file nor taken from an environment variable.</summary>
    public bool IsDefault(string key) =>
        Node(key) is HoconScalar { Variable: null } scalar && scalar.Position.File == SettingsLoader.ReferenceName;

    public string String(string key) => StringOf(key, Node(key)) ?? "";

    public string? StringOf(string key, HoconNode? node)
    {
        switch (node)
        {
            case null:
                Problem(key, null, "is required");
                return null;
            case HoconScalar scalar:
                return scalar.Text;
            default:
                Problem(key, node, $"expected a single value, found {node.Kind}");
                return null;
        }
    }

    public int Int(string key, int min, int max) => IntOf(key, Node(key), min, max) ?? min;

    public int? IntOf(string key, HoconNode? node, int min, int max)
    {
        var text = StringOf(key, node);
        if (text is null) return null;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        Problem(key, node, $"'{text}' is not a whole number from {min} to {max}");
        return null;
    }

    public long LongOf(string key, HoconNode? node, long min)
    {
        var text = StringOf(key, node);
        if (text is null) return min;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min) return value;
        Problem(key, node, $"'{text}' is not a whole number of at least {min}");
        return min;
    }

    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max) => DurationOf(key, Node(key), min, max);

    public TimeSpan DurationOf(string key, HoconNode? node, TimeSpan min, TimeSpan max)
    {
        var text = StringOf(key, node);
        if (text is null) return min;
        if (!Durations.TryParse(text, out var value))
        {
            Problem(key, node, $"'{text}' is not a duration: write a number with a unit, e.g. 500ms, 30s, 10m, 1h");
            return min;
        }
        if (value < min || value > max)
        {
            Problem(key, node, $"'{text}' is outside the allowed range {Durations.Show(min)} to {Durations.Show(max)}");
            return min;
        }
        return value;
    }

    public double DoubleOf(string key, HoconNode? node, double min, double max)
    {
        var text = StringOf(key, node);
        if (text is null) return min;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        Problem(key, node, $"'{text}' is not a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return min;
    }

    public long Size(string key, long min, long max) => SizeOf(key, Node(key), min, max);

    public long SizeOf(string key, HoconNode? node, long min, long max)
    {
        var text = StringOf(key, node);
        if (text is null) return min;
        if (Sizes.TryParse(text, out var value) && value >= min && value <= max) return value;
        Problem(key, node, $"'{text}' is not a size from {Sizes.Show(min)} to {Sizes.Show(max)} (write e.g. 512KiB, 64MiB, 1GiB)");
        return min;
    }

    /// <summary>A share written as a percentage (<c>80%</c>), as a fraction from 0 to 1.</summary>
    public double Percent(string key)
    {
        var node = Node(key);
        var text = StringOf(key, node);
        if (text is null) return 0;
        var number = text.TrimEnd().EndsWith('%') ? text.TrimEnd()[..^1].TrimEnd() : null;
        if (number is not null && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 100)
            return value / 100;
        Problem(key, node, $"'{text}' is not a percentage from 0% to 100% (write e.g. 80%)");
        return 0;
    }

    public bool Switch(string key) => SwitchOf(key, Node(key));

    public bool SwitchOf(string key, HoconNode? node)
    {
        var text = StringOf(key, node);
        switch (text)
        {
            case null:
                return false;
            case "on" or "true" or "yes":
                return true;
            case "off" or "false" or "no":
                return false;
            default:
                Problem(key, node, $"'{text}' is not on or off");
                return false;
        }
    }

    /// <summary>A value out of an enum, written in kebab case (<c>accept-new</c> for <c>AcceptNew</c>).</summary>
    public T Choice<T>(string key) where T : struct, Enum => ChoiceOf<T>(key, Node(key));

    public T ChoiceOf<T>(string key, HoconNode? node) where T : struct, Enum
    {
        var text = StringOf(key, node);
        var names = Enum.GetValues<T>().ToDictionary(v => ConfigNames.Of(v), v => v);
        if (text is not null && names.TryGetValue(text, out var value)) return value;
        if (text is not null) Problem(key, node, $"'{text}' is not one of: {string.Join(", ", names.Keys)}");
        return default;
    }

    public IReadOnlyList<string> StringList(string key) => StringListOf(key, Node(key));

    public IReadOnlyList<string> StringListOf(string key, HoconNode? node) =>
        ListOf(key, node).Select((item, i) => StringOf($"{key}[{i}]", item)).OfType<string>().ToList();

    public IReadOnlyList<HoconNode> ListOf(string key, HoconNode? node)
    {
        switch (node)
        {
            case null:
                return [];
            case HoconList list:
                return list.Items;
            default:
                Problem(key, node, $"expected a list [ ... ], found {node.Kind}");
                return [];
        }
    }

    /// <summary>Reports keys of <paramref name="actual"/> that are not among <paramref name="allowed"/>, with a suggestion.</summary>
    public void RejectUnknownKeys(string path, HoconObject actual, IReadOnlyCollection<string> allowed)
    {
        foreach (var (key, value) in actual.Fields)
        {
            if (allowed.Contains(key)) continue;
            var full = path.Length == 0 ? key : $"{path}.{key}";
            var suggestion = Spelling.Suggest(key, allowed);
            Problem(full, value, suggestion is null
                ? $"unknown key (known here: {string.Join(", ", allowed)})"
                : $"unknown key, did you mean '{suggestion}'?");
        }
    }

    /// <summary>The keys an entry of this shape may hold, as <c>image-sync-shapes</c> in the reference config lists them.</summary>
    public IReadOnlyCollection<string> ShapeKeys(string shape) =>
        reference.Find($"{Shapes}.{shape}") is HoconObject keys
            ? keys.Keys.ToList()
            : throw new InvalidOperationException($"the reference config has no {Shapes}.{shape}");

    /// <summary>A file path: <c>~</c> is the home directory; empty only where allowed (an optional file).</summary>
    public string Path(string key, string home, bool allowEmpty = false)
    {
        var text = String(key);
        if (text.Length == 0)
        {
            if (!allowEmpty && Node(key) is HoconScalar) Problem(key, Node(key), "must not be empty");
            return text;
        }
        if (text.Contains('\0')) Problem(key, Node(key), "contains a NUL character");
        return text == "~" ? home : text.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(home, text[2..]) : text;
    }

    /// <summary>A DNS name, an IPv4 address or an IPv6 address; never anything a shell or ssh option could misread.</summary>
    public static bool IsHost(string text) => HostNamePattern().IsMatch(text) || NodeAddress.IsIPv6(text);

    /// <summary>A DNS name or a dotted IPv4 address: labels of letters, digits and inner hyphens.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostNamePattern();

}
