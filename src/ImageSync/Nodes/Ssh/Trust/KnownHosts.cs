using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ImageSync.Domain;

namespace ImageSync.Nodes.Ssh.Trust;

public enum HostKeyStatus
{
    Trusted,
    Unknown,
    Changed,
    Revoked,
    /// <summary>A host certificate whose authority no <c>@cert-authority</c> line for the host names.</summary>
    UntrustedAuthority,
    /// <summary>A host certificate from a trusted authority that fails one of its own checks.</summary>
    InvalidCertificate,
}

/// <param name="KnownFingerprints">SHA256 fingerprints the file holds for the host (of its CAs for a certificate), for the error message.</param>
/// <param name="Problem">What is wrong with a refused certificate, to follow "the host certificate …".</param>
public sealed record HostKeyVerdict(HostKeyStatus Status, IReadOnlyList<string> KnownFingerprints, string Problem = "");

/// <summary>
/// An OpenSSH known_hosts file: plain host patterns (with <c>*</c>, <c>?</c> and <c>!</c>), <c>[host]:port</c>
/// for other ports, hashed <c>|1|salt|hash</c> entries, several keys per host, <c>@revoked</c> and
/// <c>@cert-authority</c>. Lines it cannot read are skipped, as OpenSSH does.
/// </summary>
public sealed class KnownHosts
{
    private readonly List<Entry> _entries;
    private readonly object _gate = new();

    private KnownHosts(List<Entry> entries) => _entries = entries;

    /// <summary>The entries of the file at <paramref name="path"/>; none when it does not exist.</summary>
    public static KnownHosts Load(string path) => File.Exists(path) ? Parse(File.ReadAllText(path)) : new KnownHosts([]);

    public static KnownHosts Parse(string text) =>
        new(text.Split('\n').Select(ParseLine).OfType<Entry>().ToList());

    /// <summary>The name OpenSSH looks a host up by: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string LookupName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    public static string Fingerprint(byte[] publicKey) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(publicKey)).TrimEnd('=');

    /// <summary>The key type written inside an SSH public key blob, e.g. <c>ssh-ed25519</c>.</summary>
    public static string KeyTypeOf(byte[] publicKey)
    {
        if (publicKey.Length < 4) return "";
        var length = BinaryPrimitives.ReadInt32BigEndian(publicKey);
        return length > 0 && length <= publicKey.Length - 4 ? Encoding.ASCII.GetString(publicKey, 4, length) : "";
    }

    public HostKeyVerdict Verify(string host, int port, byte[] offeredKey)
    {
        var matching = Matching(host, port);
        var known = Fingerprints(matching, Marker.None);
        if (IsRevoked(matching, offeredKey)) return new(HostKeyStatus.Revoked, known);
        if (matching.Any(e => e.Marker == Marker.None && e.Holds(offeredKey))) return new(HostKeyStatus.Trusted, known);
        return new(known.Count > 0 ? HostKeyStatus.Changed : HostKeyStatus.Unknown, known);
    }

    /// <summary>
    /// A host certificate is trusted when a <c>@cert-authority</c> line for the host names the key that signed
    /// it, neither that key nor the certified one is <c>@revoked</c>, and the certificate passes its own checks.
    /// </summary>
    public HostKeyVerdict VerifyCertificate(string host, int port, HostCertificate certificate, DateTimeOffset now)
    {
        var matching = Matching(host, port);
        var authorities = Fingerprints(matching, Marker.CertAuthority);
        var authority = Fingerprint(certificate.AuthorityKey);
        if (IsRevoked(matching, certificate.AuthorityKey))
            return new(HostKeyStatus.Revoked, authorities, $"is signed by CA {authority}, which is marked @revoked");
        if (IsRevoked(matching, certificate.CertifiedKey))
            return new(HostKeyStatus.Revoked, authorities, $"certifies the key {Fingerprint(certificate.CertifiedKey)}, which is marked @revoked");
        if (!matching.Any(e => e.Marker == Marker.CertAuthority && e.Holds(certificate.AuthorityKey)))
            return new(HostKeyStatus.UntrustedAuthority, authorities,
                $"is signed by CA {authority}, which no @cert-authority line for {LookupName(host, port)} names"
                + (authorities.Count > 0 ? $" (those name {string.Join(", ", authorities)})" : ""));
        return certificate.Problem(host, now) is { } problem
            ? new(HostKeyStatus.InvalidCertificate, authorities, problem)
            : new(HostKeyStatus.Trusted, authorities);
    }

    /// <summary>Whether a <c>@cert-authority</c> line covers the host, so the client asks it for a certificate.</summary>
    public bool HasAuthorityFor(string host, int port) => Matching(host, port).Any(e => e.Marker == Marker.CertAuthority);

    /// <summary>Key types the file holds for a host, so the client asks the server for one of those.</summary>
    public IReadOnlySet<string> KeyTypesFor(string host, int port) =>
        Matching(host, port).Where(e => e.Marker == Marker.None).Select(e => e.KeyType).ToHashSet();

    private List<Entry> Matching(string host, int port)
    {
        lock (_gate) return _entries.Where(e => e.Matches(host, port)).ToList();
    }

    private static List<string> Fingerprints(List<Entry> entries, Marker marker) =>
        entries.Where(e => e.Marker == marker).Select(e => Fingerprint(e.Key)).Distinct().ToList();

    private static bool IsRevoked(List<Entry> entries, byte[] key) => entries.Any(e => e.Marker == Marker.Revoked && e.Holds(key));

    /// <summary>
    /// Adds a host's key to the file (accept-new): the file is rewritten beside itself and renamed into
    /// place, so a reader never sees half a line and a crash never truncates it.
    /// </summary>
    public void Append(string path, string host, int port, byte[] key)
    {
        var entry = new Entry(Marker.None, LookupName(host, port), KeyTypeOf(key), key);
        var line = $"{entry.Patterns} {entry.KeyType} {Convert.ToBase64String(key)}\n";
        lock (_gate)
        {
            var existing = File.Exists(path) ? File.ReadAllText(path) : "";
            if (existing.Length > 0 && !existing.EndsWith('\n')) existing += "\n";
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, existing + line);
            File.SetUnixFileMode(temporary, File.Exists(path) ? File.GetUnixFileMode(path) : UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, path, overwrite: true);
            _entries.Add(entry);
        }
    }

    private static Entry? ParseLine(string raw)
    {
        var line = raw.Trim();
        if (line.Length == 0 || line.StartsWith('#')) return null;
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var marker = Marker.None;
        if (fields[0].StartsWith('@'))
        {
            marker = fields[0] switch
            {
                "@revoked" => Marker.Revoked,
                "@cert-authority" => Marker.CertAuthority,
                _ => Marker.Unknown,
            };
            if (marker == Marker.Unknown) return null;
            fields = fields[1..];
        }
        if (fields.Length < 3) return null;
        try
        {
            return new Entry(marker, fields[0], fields[1], Convert.FromBase64String(fields[2]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private enum Marker
    {
        None,
        Revoked,
        CertAuthority,
        Unknown,
    }

    private sealed record Entry(Marker Marker, string Patterns, string KeyType, byte[] Key)
    {
        public bool Holds(byte[] key) => Key.AsSpan().SequenceEqual(key);

        public bool Matches(string host, int port)
        {
            var name = LookupName(host, port).ToLowerInvariant();
            var matched = false;
            foreach (var pattern in Patterns.Split(','))
            {
                if (pattern.StartsWith("|1|", StringComparison.Ordinal))
                {
                    matched |= HashedMatches(pattern, name);
                }
                else if (pattern.StartsWith('!'))
                {
                    if (Glob.IsMatch(pattern[1..].ToLowerInvariant(), name)) return false;
                }
                else
                {
                    matched |= Glob.IsMatch(pattern.ToLowerInvariant(), name);
                }
            }
            return matched;
        }

        private static bool HashedMatches(string pattern, string name)
        {
            var parts = pattern.Split('|');
            if (parts.Length != 4) return false;
            try
            {
                var salt = Convert.FromBase64String(parts[2]);
                var expected = Convert.FromBase64String(parts[3]);
                return HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(name)).AsSpan().SequenceEqual(expected);
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }
}
