using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ImageSync.Domain;

/// <summary>
/// The name an operator gives a worker node. It appears in log lines, file-based reports and actor names,
/// so it is restricted to characters that are safe in all three.
/// </summary>
public sealed partial record NodeName : IComparable<NodeName>
{
    private NodeName(string value) => Value = value;

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out NodeName? name, out string error)
    {
        name = null;
        if (text is null || !Pattern().IsMatch(text))
        {
            error = "a node name is 1-63 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit";
            return false;
        }
        name = new NodeName(text);
        error = "";
        return true;
    }

    public static NodeName Parse(string text) =>
        TryParse(text, out var name, out var error) ? name : throw new FormatException($"'{text}': {error}");

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public int CompareTo(NodeName? other) => other is null ? 1 : string.CompareOrdinal(Value, other.Value);

    public override string ToString() => Value;
}
