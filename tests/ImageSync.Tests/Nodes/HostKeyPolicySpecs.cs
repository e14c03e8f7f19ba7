using ImageSync.Configuration;
using ImageSync.Nodes.Ssh.Trust;
using static ImageSync.Tests.Support.HostCertificateFixtures;

namespace ImageSync.Tests.Nodes;

public sealed class HostKeyPolicySpecs : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);
    private static readonly HostAddress Node1 = new("node-1", "node1", 22);
    private static readonly HostAddress Node1OnOtherPort = new("node-1", "node1", 2201);

    private readonly string _directory = Directory.CreateTempSubdirectory("host-key-policy-").FullName;
    private readonly List<string> _warnings = [];

    private string KnownHostsFile => Path.Combine(_directory, "known_hosts");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(HostKeyChecking.Strict)]
    [InlineData(HostKeyChecking.AcceptNew)]
    public void Should_trust_a_listed_key_quietly(HostKeyChecking checking)
    {
        var policy = Policy(checking, $"node1 ssh-ed25519 {HostKey}");

        Assert.Null(policy.CheckKey(Node1, "ssh-ed25519", Blob(HostKey)));
        Assert.Empty(_warnings);
    }

    [Fact]
    public void Should_refuse_an_unknown_host_when_strict_and_say_how_to_add_it()
    {
        var policy = Policy(HostKeyChecking.Strict, "");

        var refusal = policy.CheckKey(Node1, "ssh-ed25519", Blob(HostKey));

        Assert.Equal($"host key verification failed: no entry for node1 in {KnownHostsFile} (offered {KnownHosts.Fingerprint(Blob(HostKey))}); "
            + "add it (ssh-keyscan) or set ssh.host-key-checking = accept-new", refusal);
        Assert.False(File.Exists(KnownHostsFile));
    }

    [Fact]
    public void Should_write_down_an_unknown_host_under_accept_new_and_trust_it_from_then_on()
    {
        var policy = Policy(HostKeyChecking.AcceptNew, "");

        var first = policy.CheckKey(Node1OnOtherPort, "ssh-ed25519", Blob(HostKey));

        Assert.Null(first);
        Assert.Equal($"[node1]:2201 ssh-ed25519 {HostKey}\n", File.ReadAllText(KnownHostsFile));
        Assert.Equal([$"node-1: added [node1]:2201 ssh-ed25519 {KnownHosts.Fingerprint(Blob(HostKey))} to {KnownHostsFile} (accept-new)"], _warnings);
        var fromTheFile = new HostKeyPolicy(KnownHosts.Load(KnownHostsFile), HostKeyChecking.Strict, KnownHostsFile, _warnings.Add);
        Assert.Null(fromTheFile.CheckKey(Node1OnOtherPort, "ssh-ed25519", Blob(HostKey)));
    }

    [Theory]
    [InlineData(HostKeyChecking.Strict)]
    [InlineData(HostKeyChecking.AcceptNew)]
    public void Should_refuse_a_changed_key_naming_both_fingerprints_and_leave_the_file_alone(HostKeyChecking checking)
    {
        var listed = $"node1 ssh-ed25519 {Ca}\n";
        var policy = Policy(checking, listed);

        var refusal = policy.CheckKey(Node1, "ssh-ed25519", Blob(HostKey));

        Assert.Equal($"host key verification failed: the key of node1 has CHANGED: expected {KnownHosts.Fingerprint(Blob(Ca))}, "
            + $"offered {KnownHosts.Fingerprint(Blob(HostKey))}; if the node was reinstalled, update {KnownHostsFile}", refusal);
        Assert.Equal(listed, File.ReadAllText(KnownHostsFile));
    }

    [Fact]
    public void Should_trust_anything_when_off_but_warn_with_the_fingerprint()
    {
        var policy = Policy(HostKeyChecking.Off, $"node1 ssh-ed25519 {Ca}\n");

        Assert.Null(policy.CheckKey(Node1, "ssh-ed25519", Blob(HostKey)));
        Assert.Null(policy.CheckCertificate(Node1, Blob(ForNode2), Now));
        Assert.Equal([$"node-1: host key NOT checked (host-key-checking = off), offered {KnownHosts.Fingerprint(Blob(HostKey))}",
            $"node-1: host certificate NOT checked (host-key-checking = off), signed by {KnownHosts.Fingerprint(Blob(Ca))}"], _warnings);
    }

    [Theory]
    [InlineData(HostKeyChecking.Strict)]
    [InlineData(HostKeyChecking.AcceptNew)]
    [InlineData(HostKeyChecking.Off)]
    public void Should_refuse_a_revoked_key_or_certificate_whatever_the_policy(HostKeyChecking checking)
    {
        var policy = Policy(checking, $"@cert-authority * ssh-ed25519 {Ca}\nnode1 ssh-ed25519 {HostKey}\n@revoked * ssh-ed25519 {HostKey}\n");

        var key = policy.CheckKey(Node1, "ssh-ed25519", Blob(HostKey));
        var certificate = policy.CheckCertificate(Node1, Blob(ForNode1), Now);

        Assert.Equal($"host key verification failed: the key offered by node1 ({KnownHosts.Fingerprint(Blob(HostKey))}) is marked @revoked in {KnownHostsFile}", key);
        Assert.StartsWith("host key verification failed: the host certificate \"valid\" of node1 certifies the key", certificate);
        Assert.Contains("which is marked @revoked", certificate);
        Assert.Empty(_warnings);
    }

    [Theory]
    [InlineData(HostKeyChecking.Strict)]
    [InlineData(HostKeyChecking.AcceptNew)]
    public void Should_trust_a_certificate_of_a_listed_authority(HostKeyChecking checking)
    {
        var policy = Policy(checking, $"@cert-authority * ssh-ed25519 {Ca}\n");

        Assert.Null(policy.CheckCertificate(Node1, Blob(ForNode1), Now));
    }

    [Theory]
    [InlineData(HostKeyChecking.Strict, Expired, "expired at")]
    [InlineData(HostKeyChecking.AcceptNew, Expired, "expired at")]
    [InlineData(HostKeyChecking.AcceptNew, ForNode2, "is for node2, not node1")]
    [InlineData(HostKeyChecking.AcceptNew, SignedByOtherCa, "which no @cert-authority line for node1 names")]
    public void Should_never_take_a_failing_certificate_on_first_use(HostKeyChecking checking, string certificate, string problem)
    {
        var listed = $"@cert-authority * ssh-ed25519 {Ca}\n";
        var policy = Policy(checking, listed);

        var refusal = policy.CheckCertificate(Node1, Blob(certificate), Now);

        Assert.StartsWith("host key verification failed: the host certificate", refusal);
        Assert.Contains(problem, refusal);
        Assert.EndsWith($"(in {KnownHostsFile})", refusal);
        Assert.Equal(listed, File.ReadAllText(KnownHostsFile));
    }

    [Fact]
    public void Should_name_what_is_wrong_with_bytes_that_are_not_a_certificate()
    {
        var policy = Policy(HostKeyChecking.Strict, $"@cert-authority * ssh-ed25519 {Ca}\n");

        Assert.StartsWith("host key verification failed: node1 presented ", policy.CheckCertificate(Node1, [0, 0, 0, 3, 1, 2], Now));
    }

    [Fact]
    public void Should_refuse_a_plain_key_where_an_authority_covers_the_host_when_strict_and_say_to_give_it_a_certificate()
    {
        var policy = Policy(HostKeyChecking.Strict, $"@cert-authority * ssh-ed25519 {Ca}\n");

        var refusal = policy.CheckKey(Node1, "ssh-ed25519", Blob(HostKey));

        Assert.Contains("presented a plain key", refusal);
        Assert.Contains("give its sshd a HostCertificate", refusal);
    }

    [Fact]
    public void Should_offer_only_the_key_types_known_hosts_lists_and_certificates_only_where_an_authority_covers_the_host()
    {
        var strict = Policy(HostKeyChecking.Strict, $"@cert-authority node1 ssh-ed25519 {Ca}\nnode1 ssh-rsa {RsaHostKey}\n");
        var off = Policy(HostKeyChecking.Off, $"@cert-authority * ssh-ed25519 {Ca}\nnode1 ssh-rsa {RsaHostKey}\n");
        var other = new HostAddress("node-2", "node2", 22);
        string[] algorithms = ["ssh-ed25519", "rsa-sha2-512", "ssh-rsa", "ssh-ed25519-cert-v01@openssh.com"];

        Assert.Equal(["rsa-sha2-512", "ssh-rsa", "ssh-ed25519-cert-v01@openssh.com"], algorithms.Where(a => strict.Offers(Node1, a)));
        Assert.Equal(["ssh-ed25519", "rsa-sha2-512", "ssh-rsa"], algorithms.Where(a => strict.Offers(other, a)));
        Assert.Equal(["ssh-ed25519", "rsa-sha2-512", "ssh-rsa"], algorithms.Where(a => off.Offers(Node1, a)));
    }

    private HostKeyPolicy Policy(HostKeyChecking checking, string knownHosts)
    {
        if (knownHosts.Length > 0) File.WriteAllText(KnownHostsFile, knownHosts);
        return new HostKeyPolicy(KnownHosts.Load(KnownHostsFile), checking, KnownHostsFile, _warnings.Add);
    }
}
