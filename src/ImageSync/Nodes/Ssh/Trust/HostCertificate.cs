using System.Security.Cryptography;
using System.Text;
using ImageSync.Domain;
using Renci.SshNet.Security;
using Renci.SshNet.Security.Cryptography;

namespace ImageSync.Nodes.Ssh.Trust;

/// <summary>
/// An OpenSSH certificate a node presented as its host key (PROTOCOL.certkeys), with the checks OpenSSH
/// makes before it trusts one: the certificate type, the principals, the validity window, the critical
/// options and the certificate authority's signature. Which authority may vouch for which host is the
/// known_hosts file's business (<see cref="KnownHosts.VerifyCertificate"/>).
/// </summary>
public sealed class HostCertificate
{
    private const string CertificateSuffix = "-cert-v01@openssh.com";

    private readonly byte[] _blob;
    private readonly Certificate _certificate;

    private HostCertificate(byte[] blob, Certificate certificate, byte[] certifiedKey)
    {
        _blob = blob;
        _certificate = certificate;
        CertifiedKey = certifiedKey;
    }

    /// <summary>The public key the certificate vouches for, as a plain key blob known_hosts could list.</summary>
    public byte[] CertifiedKey { get; }

    /// <summary>The public key blob of the authority that signed the certificate.</summary>
    public byte[] AuthorityKey => _certificate.CertificateAuthorityKey;

    public string KeyId => _certificate.KeyId;

    public static bool IsCertificateType(string keyType) => keyType.EndsWith(CertificateSuffix, StringComparison.Ordinal);

    /// <exception cref="FormatException">The blob is not an OpenSSH certificate.</exception>
    public static HostCertificate Read(byte[] blob)
    {
        var type = KnownHosts.KeyTypeOf(blob);
        if (!IsCertificateType(type)) throw new FormatException($"a {(type.Length == 0 ? "malformed key" : type)} is not a certificate");
        try
        {
            return new HostCertificate(blob, new Certificate(blob), CertifiedKeyOf(blob, type));
        }
        catch (Exception e) when (e is not FormatException)
        {
            throw new FormatException($"a malformed {type}: {e.Message}", e);
        }
    }

    /// <returns>Why the certificate does not vouch for <paramref name="hostName"/> at <paramref name="now"/>, or null when it does.</returns>
    public string? Problem(string hostName, DateTimeOffset now)
    {
        if (_certificate.Type != Certificate.CertificateType.Host) return "is a user certificate, not a host certificate";
        if (!SignedByItsAuthority()) return $"is not signed by the key of CA {KnownHosts.Fingerprint(AuthorityKey)}";
        var seconds = (ulong)Math.Max(0, now.ToUnixTimeSeconds());
        if (seconds < _certificate.ValidAfterUnixSeconds) return $"is not valid before {Validity(_certificate.ValidAfterUnixSeconds)} (now {now.UtcDateTime:u})";
        if (seconds >= _certificate.ValidBeforeUnixSeconds) return $"expired at {Validity(_certificate.ValidBeforeUnixSeconds)} (now {now.UtcDateTime:u})";
        // OpenSSH defines no critical option for host certificates: any one is unknown, and unknown ones refuse.
        if (_certificate.CriticalOptions.Count > 0) return $"carries the critical option {string.Join(", ", _certificate.CriticalOptions.Keys)}, which no host certificate may";
        // As in OpenSSH, a host certificate without principals is valid for every host its CA may vouch for.
        var principals = _certificate.ValidPrincipals;
        if (principals.Count > 0 && !principals.Any(p => Glob.IsMatch(p.ToLowerInvariant(), hostName.ToLowerInvariant())))
            return $"is for {string.Join(", ", principals)}, not {hostName}";
        return null;
    }

    private static string Validity(ulong unixSeconds) =>
        unixSeconds >= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? "forever" : $"{DateTimeOffset.FromUnixTimeSeconds((long)unixSeconds).UtcDateTime:u}";

    /// <summary>SSH.NET checks the signature too, but only during the key exchange; this check is what the refusal names.</summary>
    private bool SignedByItsAuthority()
    {
        var signature = _certificate.Signature;
        var signed = _blob.AsSpan(0, _blob.Length - 4 - signature.Length).ToArray();
        try
        {
            var format = Encoding.ASCII.GetString(new FrameReader(signature, 0, Malformed).Bytes());
            var key = new SshKeyData(AuthorityKey);
            var verifier = key.Name switch
            {
                "ssh-ed25519" => Verifier(format, new ED25519Key(key), k => new ED25519DigitalSignature(k)),
                "ssh-rsa" => Verifier(format, new RsaKey(key), k => new RsaDigitalSignature(k, RsaHash(format))),
                _ when key.Name.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => Verifier(format, new EcdsaKey(key), k => new EcdsaDigitalSignature(k)),
                _ => null,
            };
            return verifier?.VerifySignature(signed, signature) == true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A key or signature SSH.NET cannot read cannot have signed anything.
            return false;
        }
    }

    private static KeyHostAlgorithm Verifier<TKey>(string format, TKey key, Func<TKey, DigitalSignature> signature) where TKey : Key =>
        new(format, key, signature(key));

    private static HashAlgorithmName RsaHash(string format) => format switch
    {
        "rsa-sha2-512" => HashAlgorithmName.SHA512,
        "rsa-sha2-256" => HashAlgorithmName.SHA256,
        _ => HashAlgorithmName.SHA1,
    };

    /// <summary>
    /// A certificate starts with its type, a nonce and then the fields of the certified key: one for
    /// ed25519, two for RSA (e, n) and ECDSA (curve, point). Those fields under the plain type are the key.
    /// </summary>
    private static byte[] CertifiedKeyOf(byte[] blob, string certificateType)
    {
        var reader = new FrameReader(blob, 0, Malformed);
        reader.Bytes();
        reader.Bytes();
        var plainType = certificateType[..^CertificateSuffix.Length];
        var writer = new FrameWriter().Bytes(Encoding.ASCII.GetBytes(plainType));
        var fields = plainType == "ssh-ed25519" ? 1 : 2;
        for (var i = 0; i < fields; i++) writer.Bytes(reader.Bytes());
        return writer.ToArray();
    }

    private static Exception Malformed(string what) => new FormatException($"malformed certificate ({what})");
}
