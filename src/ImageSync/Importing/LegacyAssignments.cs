using System.Text;
using System.Text.RegularExpressions;

namespace ImageSync.Importing;

/// <summary>One <c>KEY=VALUE</c> line of the bash tool's config, as bash would have assigned it.</summary>
internal sealed record Assignment(string Key, string Value, int Line)
{
    public string Origin => $"{Key}, line {Line}";
}

/// <summary>
/// Reads the bash tool's config as text, the way bash would assign its lines, without running anything:
/// quoting, comments, <c>export</c>, and variables the file set earlier are understood; anything that
/// would need the shell (a command, an unknown variable) is a problem.
/// </summary>
internal static partial class LegacyAssignments
{
    /// <returns>The last assignment of each key, as bash would leave it.</returns>
    public static Dictionary<string, Assignment> Read(string text, List<string> problems, List<string> warnings)
    {
        var assignments = new Dictionary<string, Assignment>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var match = AssignmentPattern().Match(line);
            if (!match.Success)
            {
                problems.Add($"line {i + 1}: not a KEY=VALUE assignment: {Shorten(line)}");
                continue;
            }
            var key = match.Groups["key"].Value;
            var (value, problem) = Word(line[match.Length..], assignments);
            if (problem is not null)
            {
                problems.Add($"line {i + 1}: {key}: {problem}");
                continue;
            }
            if (assignments.TryGetValue(key, out var earlier))
                warnings.Add($"line {i + 1}: {key} is set again (first on line {earlier.Line}); the last value counts, as in bash");
            assignments[key] = new Assignment(key, value, i + 1);
        }
        return assignments;
    }

    /// <summary>One shell word: plain, 'single-quoted', "double-quoted" or glued from those, then an optional comment.</summary>
    /// <returns>The value, or why it cannot be known without running the shell.</returns>
    private static (string Value, string? Problem) Word(string text, Dictionary<string, Assignment> earlier)
    {
        var value = new StringBuilder();
        var i = 0;
        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            string? problem;
            switch (text[i])
            {
                case '\'':
                    var close = text.IndexOf('\'', i + 1);
                    if (close < 0) return ("", "the single quote is never closed (a value over several lines is not supported)");
                    value.Append(text, i + 1, close - i - 1);
                    i = close + 1;
                    break;
                case '"':
                    problem = DoubleQuoted(text, ref i, value, earlier);
                    if (problem is not null) return ("", problem);
                    break;
                case '\\':
                    if (i + 1 >= text.Length) return ("", "ends in a backslash (a value over several lines is not supported)");
                    value.Append(text[i + 1]);
                    i += 2;
                    break;
                case '$':
                    problem = Expand(text, ref i, value, earlier);
                    if (problem is not null) return ("", problem);
                    break;
                case '`':
                    return ("", CommandSubstitution);
                case ';' or '|' or '&' or '(' or ')' or '<' or '>':
                    return ("", $"holds the shell operator '{text[i]}'; this file is read, not run: write the value out");
                default:
                    value.Append(text[i++]);
                    break;
            }
        }
        var rest = text[i..].Trim();
        return rest.Length == 0 || rest.StartsWith('#')
            ? (value.ToString(), null)
            : ("", $"more than one word after '=' ({Shorten(rest)}); quote the value");
    }

    private static string? DoubleQuoted(string text, ref int i, StringBuilder value, Dictionary<string, Assignment> earlier)
    {
        for (i++; i < text.Length; )
        {
            switch (text[i])
            {
                case '"':
                    i++;
                    return null;
                case '\\' when i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`':
                    value.Append(text[i + 1]);
                    i += 2;
                    break;
                case '$':
                    var problem = Expand(text, ref i, value, earlier);
                    if (problem is not null) return problem;
                    break;
                case '`':
                    return CommandSubstitution;
                default:
                    value.Append(text[i++]);
                    break;
            }
        }
        return "the double quote is never closed (a value over several lines is not supported)";
    }

    private const string CommandSubstitution = "runs a command ($(...) or backticks); this file is read, not run: write the value out";

    /// <summary>$NAME or ${NAME}: a variable set earlier in the file, or $HOME at the start (image-sync's ~).</summary>
    private static string? Expand(string text, ref int i, StringBuilder value, Dictionary<string, Assignment> earlier)
    {
        var match = VariablePattern().Match(text, i);
        if (!match.Success || match.Index != i)
        {
            var next = i + 1 < text.Length ? text[i + 1] : ' ';
            if (next == '(') return CommandSubstitution;
            if (next == '{' || char.IsAsciiDigit(next) || "@*#?$!-".Contains(next)) return $"uses the shell expansion ${next}…; write the value out";
            value.Append('$');
            i++;
            return null;
        }
        var name = match.Groups["name"].Value;
        i += match.Length;
        if (earlier.TryGetValue(name, out var assignment)) value.Append(assignment.Value);
        else if (name == "HOME" && value.Length == 0) value.Append('~');
        else return $"refers to ${name}, which this file does not set; write the value out";
        return null;
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;

    [GeneratedRegex(@"^(?:export\s+)?(?<key>[A-Za-z_][A-Za-z0-9_]*)=", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"\$(?:(?<name>[A-Za-z_][A-Za-z0-9_]*)|\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\})", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();
}
