using static ImageSync.Tests.Support.HostCertificateFixtures;
using ImageSync.Nodes.Ssh.Trust;

namespace ImageSync.Tests.Nodes;

public sealed class HostCertificateSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_vouch_for_each_principal_it_names()
    {
        var certificate = HostCertificate.Read(Blob(ForNode1));

        Assert.Null(certificate.Problem("node1", Now));
        Assert.Null(certificate.Problem("127.0.0.1", Now));
        Assert.Equal("is for node1, 127.0.0.1, not node3", certificate.Problem("node3", Now));
    }

    [Fact]
    public void Should_match_principals_as_globs_and_without_case()
    {
        var certificate = HostCertificate.Read(Blob(ForPatterns));

        Assert.Null(certificate.Problem("worker-7.NODES.example", Now));
        Assert.Null(certificate.Problem("127.0.0.5", Now));
        Assert.NotNull(certificate.Problem("127.0.0.10", Now));
        Assert.NotNull(certificate.Problem("nodes.example", Now));
    }

    [Fact]
    public void Should_vouch_for_any_host_without_principals_as_openssh_does()
    {
        Assert.Null(HostCertificate.Read(Blob(ForAnyHost)).Problem("whatever.example", Now));
    }

    [Fact]
    public void Should_refuse_outside_its_validity_window()
    {
        Assert.StartsWith("expired at 2021-01-01 00:00:00Z", HostCertificate.Read(Blob(Expired)).Problem("node1", Now));
        Assert.StartsWith("is not valid before 2030-01-01 00:00:00Z", HostCertificate.Read(Blob(NotYetValid)).Problem("node1", Now));
        Assert.Null(HostCertificate.Read(Blob(NotYetValid)).Problem("node1", new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.NotNull(HostCertificate.Read(Blob(ForNode1)).Problem("node1", new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Should_refuse_a_user_certificate()
    {
        Assert.Equal("is a user certificate, not a host certificate", HostCertificate.Read(Blob(UserCertificate)).Problem("node1", Now));
    }

    [Fact]
    public void Should_refuse_a_critical_option_since_host_certificates_define_none()
    {
        Assert.Contains("critical option force-thing", HostCertificate.Read(Blob(WithCriticalOption)).Problem("node1", Now));
    }

    [Theory]
    [InlineData(ForNode1)]
    [InlineData(SignedByRsaCa)]
    [InlineData(SignedByOtherCa)]
    [InlineData(OfEcdsaHostKey)]
    [InlineData(OfRsaHostKey)]
    public void Should_verify_the_signature_of_ed25519_rsa_and_ecdsa_authorities(string certificate)
    {
        Assert.Null(HostCertificate.Read(Blob(certificate)).Problem("node1", Now));
    }

    [Fact]
    public void Should_refuse_a_certificate_altered_after_signing()
    {
        var blob = Blob(ForNode2);
        var principal = blob.AsSpan().IndexOf("node2"u8);
        blob[principal + 4] = (byte)'1';

        Assert.StartsWith("is not signed by the key of CA", HostCertificate.Read(blob).Problem("node1", Now));
    }

    [Fact]
    public void Should_refuse_a_certificate_whose_signature_cannot_be_read()
    {
        // An ed25519 signature is the last field: 4 + (4 + 11 "ssh-ed25519") + (4 + 64) bytes. Here, a string cut short.
        byte[] blob = [.. Blob(ForNode1)[..^87], 0, 0, 0, 4, 0, 0, 0, 99];

        Assert.StartsWith("is not signed by the key of CA", HostCertificate.Read(blob).Problem("node1", Now));
    }

    [Theory]
    [InlineData(ForNode1, HostKey)]
    [InlineData(OfEcdsaHostKey, EcdsaHostKey)]
    [InlineData(OfRsaHostKey, RsaHostKey)]
    public void Should_name_the_authority_and_the_plain_key_it_certifies(string certificate, string plainKey)
    {
        var read = HostCertificate.Read(Blob(certificate));

        Assert.Equal(Blob(plainKey), read.CertifiedKey);
        Assert.Equal(Blob(Ca), read.AuthorityKey);
    }

    [Fact]
    public void Should_refuse_to_read_a_plain_key_or_a_truncated_certificate()
    {
        var plain = Assert.Throws<FormatException>(() => HostCertificate.Read(Blob(HostKey)));
        Assert.Contains("ssh-ed25519 is not a certificate", plain.Message);

        var truncated = Blob(ForNode1)[..60];
        var error = Assert.Throws<FormatException>(() => HostCertificate.Read(truncated));
        Assert.Contains("ssh-ed25519-cert-v01@openssh.com", error.Message);
    }

    [Fact]
    public void Should_tell_certificate_algorithms_from_plain_ones()
    {
        Assert.True(HostCertificate.IsCertificateType("rsa-sha2-512-cert-v01@openssh.com"));
        Assert.False(HostCertificate.IsCertificateType("ssh-ed25519"));
        Assert.Equal("valid", HostCertificate.Read(Blob(ForNode1)).KeyId);
    }
}
