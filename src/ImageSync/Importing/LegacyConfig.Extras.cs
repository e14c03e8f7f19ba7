using System.Text;
using ImageSync.Configuration;

namespace ImageSync.Importing;

/// <summary>
/// Variables that configs of the bash tool often grew beside its own (a known_hosts file, a connect timeout,
/// ssh options, a retention under another name): carried over where image-sync has the setting, and named
/// with the reason where it has none.
/// </summary>
public static partial class LegacyConfig
{
    private enum ValueKind
    {
        Text,
        Seconds,
        Number,
        Switch,
    }

    private static readonly Dictionary<string, (string Key, ValueKind Kind)> Carried = new()
    {
        ["KNOWN_HOSTS"] = ("ssh.known-hosts-file", ValueKind.Text),
        ["KNOWN_HOSTS_FILE"] = ("ssh.known-hosts-file", ValueKind.Text),
        ["SSH_KNOWN_HOSTS"] = ("ssh.known-hosts-file", ValueKind.Text),
        ["CONNECT_TIMEOUT"] = ("ssh.connect-timeout", ValueKind.Seconds),
        ["SSH_CONNECT_TIMEOUT"] = ("ssh.connect-timeout", ValueKind.Seconds),
        ["SSH_TIMEOUT"] = ("ssh.connect-timeout", ValueKind.Seconds),
        ["SSH_KEEPALIVE"] = ("ssh.keepalive", ValueKind.Seconds),
        ["RETENTION_DAYS"] = ("logs.retention-days", ValueKind.Number),
        ["LOG_RETENTION"] = ("logs.retention-days", ValueKind.Number),
        ["CRICTL"] = ("ssh.crictl", ValueKind.Text),
        ["CRICTL_BIN"] = ("ssh.crictl", ValueKind.Text),
        ["CRICTL_PATH"] = ("ssh.crictl", ValueKind.Text),
        ["USE_SUDO"] = ("ssh.sudo", ValueKind.Switch),
        ["SUDO"] = ("ssh.sudo", ValueKind.Switch),
    };

    private const string AlwaysLogged = "the run log always records every step";

    private static readonly Dictionary<string, string> Skipped = new()
    {
        ["DRY_RUN"] = "`image-sync plan` shows what a run would pull, and changes nothing",
        ["DEBUG"] = AlwaysLogged,
        ["VERBOSE"] = AlwaysLogged,
        ["LOG_LEVEL"] = AlwaysLogged,
        ["TMP_DIR"] = "image-sync writes no temporary files",
        ["TMPDIR"] = "image-sync writes no temporary files",
        ["JQ"] = "image-sync reads crictl's JSON itself",
    };

    /// <summary>ssh -o options and their image-sync settings; the value converts as its kind says.</summary>
    private static readonly Dictionary<string, (string Key, ValueKind Kind)> SshOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UserKnownHostsFile"] = ("ssh.known-hosts-file", ValueKind.Text),
        ["ConnectTimeout"] = ("ssh.connect-timeout", ValueKind.Seconds),
        ["ServerAliveInterval"] = ("ssh.keepalive", ValueKind.Seconds),
        ["Port"] = ("ssh.port", ValueKind.Number),
        ["User"] = ("ssh.user", ValueKind.Text),
        ["IdentityFile"] = ("ssh.key-file", ValueKind.Text),
    };

    private static readonly Dictionary<string, string> SshFlags = new() { ["-p"] = "Port", ["-l"] = "User", ["-i"] = "IdentityFile", ["-J"] = "ProxyJump" };

    private static bool IsExtra(string key) => Carried.ContainsKey(key) || Skipped.ContainsKey(key) || key is "SSH_OPTS" or "SSH_OPTIONS";

    private static void WriteExtras(Dictionary<string, Assignment> settings, StringBuilder hocon, List<string> problems, List<string> warnings)
    {
        foreach (var setting in settings.Values.OrderBy(s => s.Line))
        {
            if (Carried.TryGetValue(setting.Key, out var target))
            {
                if (ValueOf(setting, setting.Value, target.Kind, problems) is { } value) hocon.AppendLine(Line(target.Key, value, setting));
            }
            else if (Skipped.TryGetValue(setting.Key, out var why))
                warnings.Add($"line {setting.Line}: {setting.Key} is not carried over: {why}");
            else if (setting.Key is "SSH_OPTS" or "SSH_OPTIONS")
                WriteSshOptions(setting, hocon, problems, warnings);
        }
    }

    /// <summary>The ssh options image-sync has a setting for (-o Name=value, -p, -l, -i, -J); every other one is named.</summary>
    private static void WriteSshOptions(Assignment setting, StringBuilder hocon, List<string> problems, List<string> warnings)
    {
        var words = new Queue<string>(setting.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        while (words.TryDequeue(out var word))
        {
            string? option = null, value = null;
            if (word == "-o" && words.TryDequeue(out var pair)) (option, value) = Split(pair, words);
            else if (word.StartsWith("-o", StringComparison.Ordinal) && word.Length > 2) (option, value) = Split(word[2..], words);
            else if (SshFlags.TryGetValue(word, out var named) && words.TryDequeue(out var flagValue)) (option, value) = (named, flagValue);

            if (option is null)
                warnings.Add($"line {setting.Line}: {setting.Key}: '{word}' is not carried over (image-sync has no such setting)");
            else if (option.Equals("StrictHostKeyChecking", StringComparison.OrdinalIgnoreCase))
                hocon.AppendLine(Line("ssh.host-key-checking", HostKeyChecking(value!, setting, warnings), setting));
            else if (option.Equals("ProxyJump", StringComparison.OrdinalIgnoreCase))
            {
                if (Jump(value!, setting, problems) is { } jump) hocon.AppendLine(Line("ssh.jump", jump, setting));
            }
            else if (option.Equals("BatchMode", StringComparison.OrdinalIgnoreCase))
                continue; // image-sync never prompts.
            else if (SshOptions.TryGetValue(option, out var target))
            {
                if (ValueOf(setting, value!, target.Kind, problems) is { } converted) hocon.AppendLine(Line(target.Key, converted, setting));
            }
            else warnings.Add($"line {setting.Line}: {setting.Key}: -o {option} is not carried over (image-sync has no such setting)");
        }
    }

    /// <summary>"Name=value", or "Name value" with the value as the next word, as ssh reads -o.</summary>
    private static (string Option, string Value) Split(string text, Queue<string> words)
    {
        var equals = text.IndexOf('=');
        if (equals >= 0) return (text[..equals], text[(equals + 1)..]);
        return (text, words.TryDequeue(out var next) ? next : "");
    }

    /// <summary>ssh's "user@host:port,user@host:port" as an ssh.jump list; "none" is no bastion, as image-sync's default.</summary>
    /// <returns>The list as HOCON, or null when there is nothing to write (none, or a problem noted).</returns>
    private static string? Jump(string value, Assignment setting, List<string> problems)
    {
        if (value.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        var hops = value.Split(',');
        var bad = hops.Select(hop => NodeAddress.TryParse(hop, out _, out var error) ? null : $"'{hop}': {error}").OfType<string>().ToList();
        if (bad.Count == 0) return $"[{string.Join(", ", hops.Select(Quote))}]";
        problems.AddRange(bad.Select(why => $"line {setting.Line}: {setting.Key}: ProxyJump {why} (image-sync takes user@host:port bastions)"));
        return null;
    }

    private static string HostKeyChecking(string value, Assignment setting, List<string> warnings)
    {
        switch (value.ToLowerInvariant())
        {
            case "yes":
                return "strict";
            case "accept-new":
                return "accept-new";
            default:
                warnings.Add($"line {setting.Line}: {setting.Key}: StrictHostKeyChecking={value} becomes ssh.host-key-checking = off: any host key is trusted; "
                    + "accept-new records unknown keys and still refuses changed ones");
                return "off";
        }
    }

    /// <returns>The value as HOCON, or null with the problem noted.</returns>
    private static string? ValueOf(Assignment setting, string value, ValueKind kind, List<string> problems)
    {
        switch (kind)
        {
            case ValueKind.Seconds:
                return Number(setting with { Value = value }, problems) is { } seconds ? $"{seconds}s" : null;
            case ValueKind.Number:
                return Number(setting with { Value = value }, problems);
            case ValueKind.Switch:
                if (value.ToLowerInvariant() is "1" or "yes" or "true" or "on") return "on";
                if (value.ToLowerInvariant() is "0" or "no" or "false" or "off" or "") return "off";
                problems.Add($"line {setting.Line}: {setting.Key}: '{value}' is not yes or no");
                return null;
            default:
                return Quote(value);
        }
    }
}
