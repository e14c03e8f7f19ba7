using System.Security.Cryptography;
using System.Text;
using ImageSync.Nodes;

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

    /// <summary>An SSH public key blob: a length-prefixed key type, then key material.</summary>
    private static byte[] FakeKey(string type, byte seed)
    {
        var name = Encoding.ASCII.GetBytes(type);
        return [0, 0, 0, (byte)name.Length, .. name, 0, 0, 0, 32, .. Enumerable.Repeat(seed, 32)];
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
}
