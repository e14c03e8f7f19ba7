using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>Nodes whose sshd presents a host certificate signed by a test CA, trusted through @cert-authority only.</summary>
public sealed class HostCertificateSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private readonly TestFleet _fleet = new(nodes: 3);
    private readonly string _ca;
    private readonly string _authorityLine;

    public HostCertificateSpecs()
    {
        _ca = Path.Combine(_fleet.Root, "host_ca");
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test host CA", "-f", _ca]);
        _authorityLine = "@cert-authority [127.0.0.1]:* " + File.ReadAllText(_ca + ".pub").Trim();
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("accept-new")]
    public void Should_trust_nodes_by_their_certificate_with_only_the_cert_authority_line(string policy)
    {
        foreach (var node in _fleet.Nodes) node.PresentingCertificate(_ca, "-h", "-n", $"{node.Name},127.0.0.1");
        _fleet.Start($"ssh.host-key-checking = {policy}");
        _fleet.WriteKnownHosts([_authorityLine]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(_fleet.Nodes, n => Assert.Equal([Api], n.Images));
        Assert.Equal([_authorityLine], File.ReadAllLines(_fleet.KnownHosts));
    }

    [Theory]
    [InlineData("strict", new[] { "-h", "-n", "node-9.example" }, "is for node-9.example, not 127.0.0.1")]
    [InlineData("accept-new", new[] { "-h", "-n", "node-9.example" }, "is for node-9.example, not 127.0.0.1")]
    [InlineData("strict", new[] { "-h", "-n", "127.0.0.1", "-V", "20200101:20210101" }, "expired at 2021-01-01")]
    [InlineData("accept-new", new[] { "-h", "-n", "127.0.0.1", "-V", "20200101:20210101" }, "expired at 2021-01-01")]
    [InlineData("strict", new[] { "-n", "127.0.0.1" }, "is a user certificate, not a host certificate")]
    public void Should_refuse_a_node_whose_certificate_does_not_vouch_for_it_whatever_the_policy(string policy, string[] signing, string problem)
    {
        _fleet[1].PresentingCertificate(_ca, "-h", "-n", "127.0.0.1");
        _fleet[2].PresentingCertificate(_ca, "-h", "-n", "127.0.0.1");
        _fleet[3].PresentingCertificate(_ca, signing);
        _fleet.Start($"ssh.host-key-checking = {policy}");
        _fleet.WriteKnownHosts([_authorityLine]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        var unreachable = Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-3 UNREACHABLE"));
        Assert.Contains($"host key verification failed: the host certificate \"node-3\" of [127.0.0.1]:{_fleet[3].Port} {problem}", unreachable);
        Assert.Empty(_fleet[3].CrictlCalls);
        Assert.Equal([Api], _fleet[2].Images);
        Assert.Equal([_authorityLine], File.ReadAllLines(_fleet.KnownHosts));
    }

    [Fact]
    public void Should_say_a_node_covered_by_a_cert_authority_line_presented_no_certificate()
    {
        _fleet[1].PresentingCertificate(_ca, "-h");
        _fleet[2].PresentingCertificate(_ca, "-h");
        _fleet.Start();
        _fleet.WriteKnownHosts([_authorityLine]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains($"[127.0.0.1]:{_fleet[3].Port} presented a plain key ({_fleet[3].HostKeyFingerprint()}), no host certificate, though a @cert-authority line",
            Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-3 UNREACHABLE")));
        Assert.Equal([Api], _fleet[2].Images);
    }

    [Fact]
    public void Should_refuse_every_node_of_a_revoked_authority_although_its_cert_authority_line_stays()
    {
        foreach (var node in _fleet.Nodes) node.PresentingCertificate(_ca, "-h", "-n", "127.0.0.1");
        _fleet.Start();
        _fleet.WriteKnownHosts([_authorityLine, "@revoked * " + File.ReadAllText(_ca + ".pub").Trim()]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Equal(3, _fleet.DayFile("image-sync").Count(l => l.Contains("UNREACHABLE") && l.Contains("which is marked @revoked")));
        Assert.All(_fleet.Nodes, n => Assert.Empty(n.CrictlCalls));
    }

    [Fact]
    public void Should_refuse_a_certificate_of_another_authority_and_name_both()
    {
        var other = Path.Combine(_fleet.Root, "other_ca");
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
        _fleet[1].PresentingCertificate(_ca, "-h");
        _fleet[2].PresentingCertificate(_ca, "-h");
        _fleet[3].PresentingCertificate(other, "-h", "-n", "127.0.0.1");
        _fleet.Start("ssh.host-key-checking = accept-new");
        _fleet.WriteKnownHosts([_authorityLine]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains($"of [127.0.0.1]:{_fleet[3].Port} is signed by CA {Fingerprint(other)}, which no @cert-authority line for [127.0.0.1]:{_fleet[3].Port} names (those name {Fingerprint(_ca)})", run.Output);
        Assert.Equal([Api], _fleet[2].Images);
    }

    [Fact]
    public void Should_check_the_plain_key_of_a_node_with_a_certificate_when_no_authority_covers_it()
    {
        foreach (var node in _fleet.Nodes) node.PresentingCertificate(_ca, "-h", "-n", "127.0.0.1");
        _fleet.Start("ssh.host-key-checking = accept-new");
        _fleet.WriteKnownHosts([_fleet[1].KnownHostsLine]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(_fleet.Nodes.Select(n => n.KnownHostsLine).Order(), File.ReadAllLines(_fleet.KnownHosts).Order());
    }

    private static string Fingerprint(string key) => Shell.Run("ssh-keygen", ["-l", "-E", "sha256", "-f", key + ".pub"]).Stdout.Split(' ')[1];

    public void Dispose() => _fleet.Dispose();
}
