using System.Text.RegularExpressions;

namespace ImageSync.Configuration;

/// <summary>One setting in effect, as <c>image-sync config</c> prints it: its key, its value in HOCON, and where the value came from.</summary>
/// <param name="Origin"><c>default</c>, <c>environment VAR</c>, or the <c>file:line</c> that set it.</param>
public sealed partial record EffectiveSetting(string Key, string Value, string Origin)
{
    public override string ToString() => $"{Key} = {Value}  # {Origin}";

    /// <summary>The leaves under <paramref name="root"/> of the merged tree (a list is one leaf), in the reference's order.</summary>
    internal static IReadOnlyList<EffectiveSetting> Of(HoconObject merged, string root, string referenceName)
    {
        var settings = new List<EffectiveSetting>();
        if (merged[root] is HoconObject top) Walk(top, root, referenceName, settings);
        return settings;
    }

    private static void Walk(HoconObject node, string path, string referenceName, List<EffectiveSetting> settings)
    {
        foreach (var (key, value) in node.Fields)
        {
            var child = $"{path}.{key}";
            // An empty object is a setting of its own (no simulated nodes), not a section to descend into.
            if (value is HoconObject section && section.Keys.Any()) Walk(section, child, referenceName, settings);
            else settings.Add(new EffectiveSetting(child, Show(value), OriginOf(value, referenceName)));
        }
    }

    private static string OriginOf(HoconNode node, string referenceName) =>
        node is HoconScalar { Variable: { } variable } ? $"environment {variable}"
        : node.Position.File == referenceName ? "default"
        : $"{node.Position.File}:{node.Position.Line}";

    private static string Show(HoconNode node) => node switch
    {
        HoconScalar scalar => Bare().IsMatch(scalar.Text) ? scalar.Text : Quote(scalar.Text),
        HoconList list => $"[{string.Join(", ", list.Items.Select(Show))}]",
        HoconObject obj => obj.Keys.Any() ? $"{{ {string.Join(", ", obj.Fields.Select(f => $"{f.Key} = {Show(f.Value)}"))} }}" : "{}",
        _ => throw new ArgumentOutOfRangeException(nameof(node), node.Kind, "not a HOCON value"),
    };

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    // What HOCON reads unquoted as the same text.
    [GeneratedRegex(@"^[A-Za-z0-9._/-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Bare();
}
