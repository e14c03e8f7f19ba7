using System.Security.Cryptography;
using System.Text;
using static ImageSync.Tests.Support.HostCertificateFixtures;
using ImageSync.Nodes.Ssh.Trust;

namespace ImageSync.Tests.Nodes;

public sealed class KnownHostsSpecs
{
    private static readonly byte[] KeyA = FakeKey("ssh-ed25519", 1);
    private static readonly byte[] KeyB = FakeKey("ssh-ed25519", 2);
    private static readonly byte[] RsaKey = FakeKey("ssh-rsa", 3);

    [Fact]
    public void Should_trust_a_plain_entry_on_port_22()
    {
        var known = KnownHosts.Parse($"10.0.0.11 ssh-ed25519 {B64(KeyA)} root@worker-1\n");

        Assert.Equal(HostKeyStatus.Trusted, known.Verify("10.0.0.11", 22, KeyA).Status);
    }

    [Fact]
    public void Should_look_up_bracketed_host_and_port_when_the_port_is_not_22()
    {
        var known = KnownHosts.Parse($"[127.0.0.1]:2222 ssh-ed25519 {B64(KeyA)}\n127.0.0.1 ssh-ed25519 {B64(KeyB)}");

        Assert.Equal(HostKeyStatus.Trusted, known.Verify("127.0.0.1", 2222, KeyA).Status);
        Assert.Equal(HostKeyStatus.Changed, known.Verify("127.0.0.1", 2222, KeyB).Status);
        Assert.Equal(HostKeyStatus.Trusted, known.Verify("127.0.0.1", 22, KeyB).Status);
    }

    [Fact]
    public void Should_match_hashed_entries_as_ssh_keygen_writes_them()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        var hash = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes("[worker-1.example.com]:2200"));
        var known = KnownHosts.Parse($"|1|{B64(salt)}|{B64(hash)} ssh-ed25519 {B64(KeyA)}");

        Assert.Equal(HostKeyStatus.Trusted, known.Verify("worker-1.example.com", 2200, KeyA).Status);
        Assert.Equal(HostKeyStatus.Unknown, known.Verify("worker-2.example.com", 2200, KeyA).Status);
    }

    [Fact]
    public void Should_report_a_changed_key_with_the_fingerprints_it_expected()
    {
        var known = KnownHosts.Parse($"worker-1 ssh-ed25519 {B64(KeyA)}");

        var verdict = known.Verify("worker-1", 22, KeyB);

        Assert.Equal(HostKeyStatus.Changed, verdict.Status);
        Assert.Equal([KnownHosts.Fingerprint(KeyA)], verdict.KnownFingerprints);
        Assert.StartsWith("SHA256:", verdict.KnownFingerprints[0]);
        Assert.DoesNotContain("=", verdict.KnownFingerprints[0]);
    }

    [Fact]
    public void Should_trust_any_of_several_keys_for_one_host()
    {
        var known = KnownHosts.Parse($"worker-1 ssh-ed25519 {B64(KeyA)}\nworker-1 ssh-rsa {B64(RsaKey)}");

        Assert.Equal(HostKeyStatus.Trusted, known.Verify("worker-1", 22, RsaKey).Status);
        Assert.Equal(new HashSet<string> { "ssh-ed25519", "ssh-rsa" }, known.KeyTypesFor("worker-1", 22));
    }

    [Fact]
    public void Should_refuse_a_revoked_key_even_when_it_is_also_listed()
    {
        var known = KnownHosts.Parse($"@revoked * ssh-ed25519 {B64(KeyA)}\nworker-1 ssh-ed25519 {B64(KeyA)}");

        Assert.Equal(HostKeyStatus.Revoked, known.Verify("worker-1", 22, KeyA).Status);
    }

    [Fact]
    public void Should_apply_wildcards_and_negations_in_host_patterns()
    {
        var known = KnownHosts.Parse($"worker-*.example.com,!worker-9.example.com ssh-ed25519 {B64(KeyA)}");

        Assert.Equal(HostKeyStatus.Trusted, known.Verify("WORKER-1.example.com", 22, KeyA).Status);
        Assert.Equal(HostKeyStatus.Unknown, known.Verify("worker-9.example.com", 22, KeyA).Status);
    }

    [Fact]
    public void Should_skip_comments_blank_lines_and_lines_it_cannot_read()
    {
        var known = KnownHosts.Parse($"# comment\n\n   \nbroken-line\nworker-1 ssh-ed25519 not-base64!!\nworker-1 ssh-ed25519 {B64(KeyA)}\n");

        Assert.Equal(HostKeyStatus.Trusted, known.Verify("worker-1", 22, KeyA).Status);
    }

    [Fact]
    public void Should_call_a_host_unknown_when_the_file_does_not_exist()
    {
        var known = KnownHosts.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")));

        Assert.Equal(HostKeyStatus.Unknown, known.Verify("worker-1", 22, KeyA).Status);
    }

    [Fact]
    public void Should_append_a_readable_entry_when_accepting_a_new_host()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, $"worker-1 ssh-ed25519 {B64(KeyA)}");
        try
        {
            KnownHosts.Load(path).Append(path, "127.0.0.1", 2222, KeyB);

            var reloaded = KnownHosts.Load(path);
            Assert.Equal(HostKeyStatus.Trusted, reloaded.Verify("worker-1", 22, KeyA).Status);
            Assert.Equal(HostKeyStatus.Trusted, reloaded.Verify("127.0.0.1", 2222, KeyB).Status);
            Assert.EndsWith($"[127.0.0.1]:2222 ssh-ed25519 {B64(KeyB)}\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_read_the_key_type_out_of_a_key_blob()
    {
        Assert.Equal("ssh-rsa", KnownHosts.KeyTypeOf(RsaKey));
        Assert.Equal("", KnownHosts.KeyTypeOf([0, 0]));
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_trust_a_certificate_signed_by_the_authority_of_a_cert_authority_line()
    {
        var known = KnownHosts.Parse($"@cert-authority [127.0.0.1]:*,*.nodes.example ssh-ed25519 {Ca} ops CA\n");

        var verdict = known.VerifyCertificate("127.0.0.1", 2201, Certificate(ForNode1), Now);

        Assert.Equal(HostKeyStatus.Trusted, verdict.Status);
        Assert.Equal([KnownHosts.Fingerprint(Blob(Ca))], verdict.KnownFingerprints);
    }

    [Fact]
    public void Should_match_the_host_patterns_of_a_cert_authority_line_hashed_too()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        var hash = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes("node1"));
        var known = KnownHosts.Parse($"@cert-authority |1|{B64(salt)}|{B64(hash)} ssh-ed25519 {Ca}");

        Assert.True(known.HasAuthorityFor("node1", 22));
        Assert.False(known.HasAuthorityFor("node2", 22));
        Assert.Equal(HostKeyStatus.Trusted, known.VerifyCertificate("node1", 22, Certificate(ForNode1), Now).Status);
        Assert.Equal(HostKeyStatus.UntrustedAuthority, known.VerifyCertificate("node2", 22, Certificate(ForAnyHost), Now).Status);
    }

    [Fact]
    public void Should_refuse_a_certificate_of_an_authority_no_line_names_for_the_host()
    {
        var known = KnownHosts.Parse($"@cert-authority node1 ecdsa-sha2-nistp256 {OtherCa}\n@cert-authority other ssh-ed25519 {Ca}");

        var verdict = known.VerifyCertificate("node1", 22, Certificate(ForNode1), Now);

        Assert.Equal(HostKeyStatus.UntrustedAuthority, verdict.Status);
        Assert.Equal($"is signed by CA {KnownHosts.Fingerprint(Blob(Ca))}, which no @cert-authority line for node1 names (those name {KnownHosts.Fingerprint(Blob(OtherCa))})", verdict.Problem);
    }

    [Fact]
    public void Should_let_revoked_win_over_cert_authority_for_the_authority_and_the_certified_key()
    {
        var authorities = $"@cert-authority * ssh-ed25519 {Ca}\n";

        var caRevoked = KnownHosts.Parse(authorities + $"@revoked * ssh-ed25519 {Ca}").VerifyCertificate("node1", 22, Certificate(ForNode1), Now);
        var keyRevoked = KnownHosts.Parse(authorities + $"@revoked * ssh-ed25519 {HostKey}").VerifyCertificate("node1", 22, Certificate(ForNode1), Now);

        Assert.Equal(HostKeyStatus.Revoked, caRevoked.Status);
        Assert.Contains("is signed by CA SHA256:", caRevoked.Problem);
        Assert.Equal(HostKeyStatus.Revoked, keyRevoked.Status);
        Assert.Contains($"certifies the key {KnownHosts.Fingerprint(Blob(HostKey))}, which is marked @revoked", keyRevoked.Problem);
    }

    [Theory]
    [InlineData(ForNode2, "is for node2, not node1")]
    [InlineData(Expired, "expired at")]
    [InlineData(UserCertificate, "user certificate")]
    public void Should_pass_on_what_is_wrong_with_a_certificate_of_a_trusted_authority(string certificate, string problem)
    {
        var known = KnownHosts.Parse($"@cert-authority * ssh-ed25519 {Ca}");

        var verdict = known.VerifyCertificate("node1", 22, Certificate(certificate), Now);

        Assert.Equal(HostKeyStatus.InvalidCertificate, verdict.Status);
        Assert.Contains(problem, verdict.Problem);
    }

    [Fact]
    public void Should_keep_authority_keys_apart_from_host_keys()
    {
        var known = KnownHosts.Parse($"@cert-authority * ssh-rsa {RsaCa}\nnode1 ssh-ed25519 {HostKey}");

        Assert.Equal(HostKeyStatus.Unknown, known.Verify("node2", 22, Blob(RsaCa)).Status);
        Assert.Equal(new HashSet<string> { "ssh-ed25519" }, known.KeyTypesFor("node1", 22));
        Assert.Empty(known.KeyTypesFor("node2", 22));
        Assert.True(known.HasAuthorityFor("node2", 22));
    }

    private static HostCertificate Certificate(string base64) => HostCertificate.Read(Blob(base64));

    /// <summary>An SSH public key blob: a length-prefixed key type, then key material.</summary>
    private static byte[] FakeKey(string type, byte seed)
    {
        var name = Encoding.ASCII.GetBytes(type);
        return [0, 0, 0, (byte)name.Length, .. name, 0, 0, 0, 32, .. Enumerable.Repeat(seed, 32)];
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
}
