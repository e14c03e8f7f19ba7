using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ImageSync.Configuration;

namespace ImageSync.Tests.Support;

/// <summary>A CA and replica certificates made for a spec, as PEM files in a directory of its own.</summary>
public sealed class TestCertificates(string dir, string caName = "spec replicas CA")
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private X509Certificate2? _ca;

    public string Dir { get; } = Directory.CreateDirectory(dir).FullName;

    public string CaFile => Path.Combine(Dir, "ca.crt");

    /// <summary>The CA certificate, written to <see cref="CaFile"/> on first use.</summary>
    public X509Certificate2 Ca => _ca ??= MakeCa();

    /// <summary>A replica's certificate and key signed by this CA; the settings name its files and <see cref="CaFile"/>.</summary>
    /// <param name="validFor">From an hour ago; negative makes one that has expired.</param>
    /// <param name="clientAndServer">Off: a certificate for TLS servers only, as a web server's would be.</param>
    public ClusterTlsSettings Replica(string name, TimeSpan? validFor = null, bool clientAndServer = true)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            clientAndServer ? [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")] : [new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        var from = DateTimeOffset.UtcNow.AddHours(-1);
        var until = validFor is { } span && span < TimeSpan.Zero ? DateTimeOffset.UtcNow + span : from + (validFor ?? TimeSpan.FromDays(30));
        using var certificate = request.Create(Ca, validFor is { } past && past < TimeSpan.Zero ? until.AddDays(-1) : from, until, RandomNumberGenerator.GetBytes(16));
        var certificateFile = Path.Combine(Dir, $"{name}.crt");
        var keyFile = Path.Combine(Dir, $"{name}.key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        return new ClusterTlsSettings(true, certificateFile, keyFile, CaFile);
    }

    private X509Certificate2 MakeCa()
    {
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllText(CaFile, ca.ExportCertificatePem() + "\n");
        return ca;
    }
}
