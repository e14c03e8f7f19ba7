using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Importing;

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

    private static readonly string[] Settings =
        ["SSH_USER", "SSH_KEY", "SSH_PORT", "PREFIX", "TIME_OUT", "MAX_PARALLEL", "LOG_DIR", "LOG_RETENTION_DAYS", "LOCK_FILE"];

    // sshd's default MaxSessions: image-sync never opens more channels than that on one node.
    private const int MaxPerNodeLimit = 10;

    public static Conversion Convert(string text, string source)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        var assignments = LegacyAssignments.Read(text, problems, warnings);
        foreach (var unknown in assignments.Values.Where(a => !Settings.Contains(a.Key) && !IsExtra(a.Key) && NodeNumber(a.Key) is null))
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

    private static string Write(Dictionary<string, Assignment> settings, string source, List<string> problems, List<string> warnings)
    {
        var hocon = new StringBuilder()
            .AppendLine($"# Converted from {source} by `image-sync import-config`.")
            .AppendLine("# What is not set here keeps image-sync's default (image-sync config prints them all): host keys are checked")
            .AppendLine("# against ~/.ssh/known_hosts (ssh.host-key-checking = strict), pulls are retried (pull.retries).")
            .AppendLine("image-sync {");
        WriteNodes(settings, hocon, problems);

        var ssh = new List<string>();
        if (settings.GetValueOrDefault("SSH_USER") is { } user) ssh.Add(Line("user", Quote(user.Value), user));
        if (Number(settings.GetValueOrDefault("SSH_PORT"), problems) is { } port) ssh.Add(Line("port", port, settings["SSH_PORT"]));
        if (settings.GetValueOrDefault("SSH_KEY") is { } key) ssh.Add(Line("key-file", Quote(key.Value), key));
        Section(hocon, "ssh", ssh);
        // The bash tool ran shell commands as its login; the helper needs installing on every node first.
        hocon.AppendLine("  # ssh.node-helper = on  # least privilege: once deploy/node/image-sync-node is each node's forced command for this key (README \"Least privilege on the nodes\")");

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
        WriteExtras(settings, hocon, problems, warnings);
        return hocon.AppendLine("}").ToString();
    }

    /// <summary>NODE1, NODE2, … in number order, each written as ssh takes it: host, user@host, host:port, user@[v6]:port.</summary>
    private static void WriteNodes(Dictionary<string, Assignment> settings, StringBuilder hocon, List<string> problems)
    {
        var nodes = settings.Values.Where(a => NodeNumber(a.Key) is not null).OrderBy(a => NodeNumber(a.Key)).ToList();
        if (nodes.Count == 0)
        {
            problems.Add("no NODE1, NODE2, …: there are no nodes to sync");
            return;
        }
        var names = new HashSet<string>();
        hocon.AppendLine("  nodes = [");
        foreach (var node in nodes)
        {
            if (!NodeAddress.TryParse(node.Value, out var address, out var error))
            {
                problems.Add($"line {node.Line}: {node.Key}: {error} (write host, user@host, host:port, user@host:port or user@[IPv6]:port)");
                continue;
            }
            // The bash tool's logs named a node by its address; keep that name when it is a valid one, and not taken.
            var name = NodeName.TryParse(address.Host, out var valid, out _) && names.Add(valid.Value) ? valid.Value : $"node-{NodeNumber(node.Key)}";
            var fields = $"name = {Quote(name)}, host = {Quote(address.Host)}"
                + (address.Port is { } port ? $", port = {port.ToString(CultureInfo.InvariantCulture)}" : "")
                + (address.User is { } user ? $", user = {Quote(user)}" : "");
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

    [GeneratedRegex(@"^NODE(?<number>[1-9][0-9]{0,3})\z", RegexOptions.CultureInvariant)]
    private static partial Regex NodeKeyPattern();

    [GeneratedRegex(@"^(?<number>[0-9]+(?:\.[0-9]+)?)(?<unit>[smhd]?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimeoutPattern();
}
