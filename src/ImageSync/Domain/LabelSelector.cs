using System.Diagnostics.CodeAnalysis;

namespace ImageSync.Domain;

/// <summary>
/// An equality-based Kubernetes label selector, as <c>kubectl get nodes -l</c> takes it: requirements joined by
/// commas, all of which must hold: <c>key=value</c> (or <c>==</c>), <c>key!=value</c>, <c>key</c> (the label is
/// set), <c>!key</c> (it is not). Set-based forms (<c>in</c>, <c>notin</c>) are not supported.
/// </summary>
public sealed class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;
    private readonly string _text;

    private LabelSelector(IReadOnlyList<Requirement> requirements, string text) => (_requirements, _text) = (requirements, text);

    public static bool TryParse(string text, [NotNullWhen(true)] out LabelSelector? selector, out string error)
    {
        selector = null;
        var requirements = new List<Requirement>();
        foreach (var part in text.Split(','))
        {
            var requirement = part.Trim();
            if (requirement.Contains(" in ", StringComparison.Ordinal) || requirement.Contains(" notin ", StringComparison.Ordinal))
            {
                error = $"'{requirement}': set-based selectors (in, notin) are not supported; write key=value, key!=value, key or !key";
                return false;
            }
            var (key, value, op) = Split(requirement);
            if (!IsKey(key) || (value is not null && !IsValue(value)))
            {
                error = $"'{requirement}' is not a label requirement: write key=value, key!=value, key or !key (keys and values of letters, digits, - _ . and one / in a key)";
                return false;
            }
            requirements.Add(new Requirement(key, value, op));
        }
        selector = new LabelSelector(requirements, text.Trim());
        error = "";
        return true;
    }

    public bool Matches(NodeLabels labels) => _requirements.All(r => r.Holds(labels[r.Key]));

    public override string ToString() => _text;

    private static (string Key, string? Value, Op Op) Split(string requirement)
    {
        if (requirement.StartsWith('!') && !requirement.Contains('=')) return (requirement[1..], null, Op.Absent);
        var at = requirement.IndexOf("!=", StringComparison.Ordinal);
        if (at >= 0) return (requirement[..at].TrimEnd(), requirement[(at + 2)..].TrimStart(), Op.NotEquals);
        at = requirement.IndexOf('=');
        if (at < 0) return (requirement, null, Op.Present);
        var skip = requirement.AsSpan(at).StartsWith("==") ? 2 : 1;
        return (requirement[..at].TrimEnd(), requirement[(at + skip)..].TrimStart(), Op.Equals);
    }

    // Kubernetes: an optional DNS-subdomain prefix and '/', then a name of up to 63 characters; a value may be empty.
    private static bool IsKey(string key)
    {
        var slash = key.IndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        return name.Length > 0 && IsValue(name) && (slash < 0 || (slash > 0 && slash <= 253 && key[..slash].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.')));
    }

    private static bool IsValue(string value) =>
        value.Length <= 63 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        && (value.Length == 0 || (char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1])));

    private enum Op
    {
        Equals,
        NotEquals,
        Present,
        Absent,
    }

    private sealed record Requirement(string Key, string? Value, Op Op)
    {
        public bool Holds(string? actual) => Op switch
        {
            Op.Equals => actual == Value,
            Op.NotEquals => actual != Value,
            Op.Present => actual is not null,
            _ => actual is null,
        };
    }
}
