using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>
/// The bash tool's config (KEY=VALUE lines that it <c>source</c>d) read as text, never run, and written out
/// as the equivalent image-sync HOCON. A value that would need the shell to work out (a command, an
/// unknown variable) is a problem, not a guess.
/// </summary>
public static partial class LegacyConfig
{
    /// <param name="Hocon">The converted config; null when a problem stops the conversion.</param>
    /// <param name="Problems">Lines that cannot be converted: the conversion fails.</param>
    /// <param name="Warnings">What is left out or behaves differently now: the conversion still succeeds.</param>
    public sealed record Conversion(string? Hocon, IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings);

    private sealed record Assignment(string Key, string Value, int Line)
    {
        public string Origin => $"{Key}, line {Line}";
    }

    private static readonly string[] Settings =
        ["SSH_USER", "SSH_KEY", "SSH_PORT", "PREFIX", "TIME_OUT", "MAX_PARALLEL", "LOG_DIR", "LOG_RETENTION_DAYS", "LOCK_FILE"];

    // sshd's default MaxSessions: image-sync never opens more channels than that on one node.
    private const int MaxPerNodeLimit = 10;

    public static Conversion Convert(string text, string source)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        var assignments = Read(text, problems, warnings);
        foreach (var unknown in assignments.Values.Where(a => !Settings.Contains(a.Key) && NodeNumber(a.Key) is null))
            warnings.Add($"line {unknown.Line}: {unknown.Key} is not a setting of the bash tool; not carried over");

        var hocon = Write(assignments, source, problems, warnings);
        if (problems.Count > 0) return new Conversion(null, problems, warnings);
        try
        {
            SettingsLoader.Parse(hocon, $"{source} (converted)", name => name == "HOME" ? "/home/image-sync" : null);
        }
        catch (ConfigException e)
        {
            return new Conversion(null, [.. e.Problems.Select(p => $"the converted config does not load: {p}")], warnings);
        }
        return new Conversion(hocon, problems, warnings);
    }

    /// <returns>The last assignment of each key, as bash would leave it.</returns>
    private static Dictionary<string, Assignment> Read(string text, List<string> problems, List<string> warnings)
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

    private static string Write(Dictionary<string, Assignment> settings, string source, List<string> problems, List<string> warnings)
    {
        var hocon = new StringBuilder()
            .AppendLine($"# Converted from {source} by `image-sync import-config`.")
            .AppendLine("# What is not set here keeps image-sync's default (hocon/image-sync.conf): host keys are checked")
            .AppendLine("# against ~/.ssh/known_hosts (ssh.host-key-checking = strict), pulls are retried (pull.retries).")
            .AppendLine("image-sync {");
        WriteNodes(settings, hocon, problems);

        var ssh = new List<string>();
        if (settings.GetValueOrDefault("SSH_USER") is { } user) ssh.Add(Line("user", Quote(user.Value), user));
        if (Number(settings.GetValueOrDefault("SSH_PORT"), problems) is { } port) ssh.Add(Line("port", port, settings["SSH_PORT"]));
        if (settings.GetValueOrDefault("SSH_KEY") is { } key) ssh.Add(Line("key-file", Quote(key.Value), key));
        Section(hocon, "ssh", ssh);

        if (settings.GetValueOrDefault("PREFIX") is { } prefix)
        {
            hocon.AppendLine(Line("images.include-prefixes", $"[{Quote(prefix.Value)}]", prefix, 2));
            if (prefix.Value.IndexOfAny(['*', '?', '[', '|', '^', '$']) >= 0)
                warnings.Add($"line {prefix.Line}: PREFIX '{prefix.Value}' holds a pattern character; image-sync's prefixes are plain text (patterns go in images.exclude)");
        }
        else problems.Add("PREFIX is not set: image-sync needs to know which images to sync (images.include-prefixes)");

        var pull = new List<string>();
        if (settings.GetValueOrDefault("TIME_OUT") is { } timeout && Timeout(timeout, problems) is { } duration) pull.Add(Line("timeout", duration, timeout));
        if (Number(settings.GetValueOrDefault("MAX_PARALLEL"), problems) is { } parallel)
        {
            var origin = settings["MAX_PARALLEL"];
            pull.Add(Line("max-parallel", parallel, origin));
            pull.Add(Line("max-per-node", Math.Min(int.Parse(parallel, CultureInfo.InvariantCulture), MaxPerNodeLimit).ToString(CultureInfo.InvariantCulture), origin));
            if (int.Parse(parallel, CultureInfo.InvariantCulture) > MaxPerNodeLimit)
                warnings.Add($"line {origin.Line}: MAX_PARALLEL {parallel}: at most {MaxPerNodeLimit} pulls run on one node at a time (sshd's MaxSessions default)");
        }
        Section(hocon, "pull", pull);

        var logs = new List<string>();
        if (settings.GetValueOrDefault("LOG_DIR") is { } dir) logs.Add(Line("dir", Quote(dir.Value), dir));
        if (Number(settings.GetValueOrDefault("LOG_RETENTION_DAYS"), problems) is { } days) logs.Add(Line("retention-days", days, settings["LOG_RETENTION_DAYS"]));
        Section(hocon, "logs", logs);

        if (settings.GetValueOrDefault("LOCK_FILE") is { } lockFile)
            hocon.AppendLine(Line("lock-file", Quote(lockFile.Value), lockFile, 2) + ": the same lock keeps the old and the new tool from overlapping");
        return hocon.AppendLine("}").ToString();
    }

    /// <summary>NODE1, NODE2, … in number order; "user@host" gives the node its own login.</summary>
    private static void WriteNodes(Dictionary<string, Assignment> settings, StringBuilder hocon, List<string> problems)
    {
        var nodes = settings.Values.Where(a => NodeNumber(a.Key) is not null).OrderBy(a => NodeNumber(a.Key)).ToList();
        if (nodes.Count == 0)
        {
            problems.Add("no NODE1, NODE2, …: there are no nodes to sync");
            return;
        }
        hocon.AppendLine("  nodes = [");
        foreach (var node in nodes)
        {
            var at = node.Value.IndexOf('@');
            var (user, host) = at < 0 ? (null, node.Value) : (node.Value[..at], node.Value[(at + 1)..]);
            // The bash tool's logs named a node by its address; keep that name when it is a valid one.
            var name = NodeName.TryParse(host, out var valid, out _) ? valid.ToString() : $"node-{NodeNumber(node.Key)}";
            var fields = $"name = {Quote(name)}, host = {Quote(host)}" + (user is null ? "" : $", user = {Quote(user)}");
            hocon.AppendLine($"    {{ {fields} }}  # {node.Origin}");
        }
        hocon.AppendLine("  ]");
    }

    private static void Section(StringBuilder hocon, string name, List<string> lines)
    {
        if (lines.Count == 0) return;
        hocon.AppendLine($"  {name} {{");
        foreach (var line in lines) hocon.AppendLine("  " + line);
        hocon.AppendLine("  }");
    }

    private static string Line(string key, string value, Assignment origin, int indent = 2) =>
        $"{new string(' ', indent)}{key} = {value}  # {origin.Origin}";

    /// <returns>The value when it is a whole number; otherwise null, with the problem noted.</returns>
    private static string? Number(Assignment? setting, List<string> problems)
    {
        if (setting is null) return null;
        if (int.TryParse(setting.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number.ToString(CultureInfo.InvariantCulture);
        problems.Add($"line {setting.Line}: {setting.Key}: '{setting.Value}' is not a whole number");
        return null;
    }

    /// <summary>GNU timeout's DURATION: a number, possibly with a fraction, and an optional s, m, h or d.</summary>
    private static string? Timeout(Assignment setting, List<string> problems)
    {
        var match = TimeoutPattern().Match(setting.Value);
        if (!match.Success)
        {
            problems.Add($"line {setting.Line}: TIME_OUT: '{setting.Value}' is not a duration as `timeout` reads it (300, 90s, 10m, 1.5h)");
            return null;
        }
        var seconds = double.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture) * match.Groups["unit"].Value switch
        {
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => 1,
        };
        if (seconds == 0)
        {
            problems.Add($"line {setting.Line}: TIME_OUT: 0 let a pull run forever; image-sync always limits a pull: set a duration (pull.timeout)");
            return null;
        }
        return $"{Math.Ceiling(seconds).ToString(CultureInfo.InvariantCulture)}s";
    }

    private static int? NodeNumber(string key) =>
        NodeKeyPattern().Match(key) is { Success: true } match ? int.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>A JSON string is a valid HOCON quoted string, escapes included.</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;

    [GeneratedRegex(@"^(?:export\s+)?(?<key>[A-Za-z_][A-Za-z0-9_]*)=", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"\$(?:(?<name>[A-Za-z_][A-Za-z0-9_]*)|\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\})", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^NODE(?<number>[1-9][0-9]{0,3})\z", RegexOptions.CultureInvariant)]
    private static partial Regex NodeKeyPattern();

    [GeneratedRegex(@"^(?<number>[0-9]+(?:\.[0-9]+)?)(?<unit>[smhd]?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimeoutPattern();
}
