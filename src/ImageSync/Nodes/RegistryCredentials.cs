using System.Text;
using System.Text.Json;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// One entry of <c>registries.credentials-file</c>: the registry it is for, as the file keys it, and crictl's
/// <c>AUTH_STRING</c> (base64 of <c>user:password</c>). Its text never shows the secret.
/// </summary>
public sealed class RegistryCredential
{
    internal RegistryCredential(string entry, string host, string? port, string path, string auth)
    {
        Entry = entry;
        Host = host;
        Port = port;
        Path = path;
        Auth = auth;
    }

    /// <summary>The key as the file writes it (<c>registry.example.com</c>, <c>https://index.docker.io/v1/</c>, <c>*.example.com</c>).</summary>
    public string Entry { get; }

    /// <summary>The host part, lowercase, perhaps with <c>*</c> globs per label.</summary>
    internal string Host { get; }

    internal string? Port { get; }

    /// <summary>A path prefix the image's repository path must start with; empty for the whole registry.</summary>
    internal string Path { get; }

    /// <summary>What crictl takes in CRICTL_AUTH: base64 of <c>user:password</c>. Goes to a node's standard input, nowhere else.</summary>
    public string Auth { get; }

    /// <summary>Every form in which this secret could show up in text, for <see cref="Redaction"/>.</summary>
    public IEnumerable<string> SecretForms()
    {
        yield return Auth;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(Auth));
        }
        catch (FormatException)
        {
            yield break;
        }
        yield return decoded;
        if (decoded.IndexOf(':') is var colon and >= 0 && colon + 1 < decoded.Length) yield return decoded[(colon + 1)..];
    }

    public override string ToString() => $"credentials-file entry '{Entry}'";
}

/// <summary>
/// The registry credentials of <c>registries.credentials-file</c>: a docker <c>config.json</c>, or the
/// <c>.dockerconfigjson</c> (or older <c>.dockercfg</c>) of a Kubernetes Secret. Matched to an image as kubelet's keyring
/// matches: the host (a <c>*</c> stands for one label: <c>*.example.com</c>), the port when the entry names one (and
/// none when it does not), and the entry's path as a prefix of the repository's; the most specific entry wins.
/// Read by each replica from its own file: a credential never travels in a cluster message.
/// </summary>
public sealed class RegistryCredentials
{
    public static readonly RegistryCredentials None = new([]);

    private readonly IReadOnlyList<RegistryCredential> _entries;

    private RegistryCredentials(IReadOnlyList<RegistryCredential> entries) =>
        // Most specific first: a longer host and path before a shorter, and a plain host before a glob.
        _entries = [.. entries.OrderByDescending(e => e.Host.Length + e.Path.Length).ThenBy(e => e.Host.Contains('*')).ThenBy(e => e.Entry, StringComparer.Ordinal)];

    /// <summary>The entries' keys, for <c>check</c>: which registries have credentials (never the secrets).</summary>
    public IReadOnlyList<string> Registries => [.. _entries.Select(e => e.Entry).Order(StringComparer.Ordinal)];

    /// <exception cref="ConfigException">The file cannot be read or is not a docker config; the reason never quotes the file's content.</exception>
    public static RegistryCredentials Load(string path)
    {
        const string key = "image-sync.registries.credentials-file";
        if (path.Length == 0) return None;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{key}: cannot read '{path}': {e.Message}"]);
        }
        try
        {
            return Parse(bytes);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            // JsonException's message may quote the text near the error, which could be a secret: only its position is told.
            var where = e is JsonException { LineNumber: { } line } ? $" (line {line + 1})" : "";
            throw new ConfigException([$"{key}: '{path}' is not a docker config.json or .dockerconfigjson{where}: {(e is JsonException ? "not valid JSON" : e.Message)}"]);
        }
    }

    internal static RegistryCredentials Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("expected an object");
        // config.json and .dockerconfigjson hold their entries under "auths"; the older .dockercfg is the map itself.
        var auths = root.TryGetProperty("auths", out var inner) ? inner : root;
        if (auths.ValueKind != JsonValueKind.Object) throw new FormatException("\"auths\" is not an object");
        var entries = new List<RegistryCredential>();
        foreach (var entry in auths.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object) throw new FormatException($"the entry '{entry.Name}' is not an object");
            if (AuthOf(entry.Value) is not { } auth) continue;
            var (host, port, path) = KeyParts(entry.Name);
            entries.Add(new RegistryCredential(entry.Name, host, port, path, auth));
        }
        return new RegistryCredentials(entries);
    }

    /// <summary>The entry's <c>auth</c>, or its <c>username</c> and <c>password</c> as crictl wants them; null for an entry with neither (a token only).</summary>
    private static string? AuthOf(JsonElement entry)
    {
        if (entry.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && auth.GetString() is { Length: > 0 } encoded)
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            if (!decoded.Contains(':')) throw new FormatException("an entry's \"auth\" is not base64 of user:password");
            return encoded;
        }
        if (entry.TryGetProperty("username", out var user) && entry.TryGetProperty("password", out var password)
            && user.GetString() is { Length: > 0 } name && password.GetString() is { } secret)
            return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{secret}"));
        return null;
    }

    /// <summary>A key as kubelet reads it: a URL or a bare host[:port][/path]; docker's <c>index.docker.io</c> names are docker.io.</summary>
    private static (string Host, string? Port, string Path) KeyParts(string key)
    {
        var rest = key.Trim();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) rest = rest[(scheme + 3)..];
        var slash = rest.IndexOf('/');
        var hostPort = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[(slash + 1)..].TrimEnd('/');
        // Docker's keys name API versions, not repositories.
        if (path is "v1" or "v2") path = "";
        var colon = hostPort.LastIndexOf(':');
        var (host, port) = colon > 0 && hostPort[(colon + 1)..].All(char.IsAsciiDigit) ? (hostPort[..colon], hostPort[(colon + 1)..]) : (hostPort, (string?)null);
        host = host.ToLowerInvariant();
        if (host is "index.docker.io" or "registry-1.docker.io") host = "docker.io";
        return (host, port, path);
    }

    /// <returns>The most specific entry for the image's registry and repository, or null when none matches.</returns>
    public RegistryCredential? For(ImageRef image)
    {
        var colon = image.Domain.LastIndexOf(':');
        var (host, port) = colon > 0 && !image.Domain.EndsWith(']') ? (image.Domain[..colon], image.Domain[(colon + 1)..]) : (image.Domain, null);
        host = host.ToLowerInvariant();
        return _entries.FirstOrDefault(e => e.Port == port && HostMatches(e.Host, host) && PathMatches(e.Path, image.Path));
    }

    /// <summary>As kubelet: the same number of labels, each matching, where <c>*</c> stands for any run of characters within a label.</summary>
    private static bool HostMatches(string pattern, string host)
    {
        var patternLabels = pattern.Split('.');
        var hostLabels = host.Split('.');
        return patternLabels.Length == hostLabels.Length && patternLabels.Zip(hostLabels).All(pair => LabelMatches(pair.First, pair.Second));
    }

    private static bool LabelMatches(string pattern, string label)
    {
        if (!pattern.Contains('*')) return pattern == label;
        var parts = pattern.Split('*');
        if (!label.StartsWith(parts[0], StringComparison.Ordinal) || !label.EndsWith(parts[^1], StringComparison.Ordinal)) return false;
        var at = parts[0].Length;
        foreach (var middle in parts[1..^1])
        {
            var found = label.IndexOf(middle, at, StringComparison.Ordinal);
            if (found < 0) return false;
            at = found + middle.Length;
        }
        return at <= label.Length - parts[^1].Length;
    }

    /// <summary>kubelet compares paths as plain string prefixes.</summary>
    private static bool PathMatches(string prefix, string path) => path.StartsWith(prefix, StringComparison.Ordinal);
}

/// <summary>Takes secrets out of text that may reach a log, a report or an exception (a node's error line, a command).</summary>
public static class Redaction
{
    public const string Mask = "[redacted]";

    public static string Redact(string text, IEnumerable<string> secrets) =>
        secrets.Where(s => s.Length >= 4).OrderByDescending(s => s.Length)
            .Aggregate(text, (redacted, secret) => redacted.Replace(secret, Mask, StringComparison.Ordinal));
}
