using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>The client keys operators use, against real sshd.</summary>
public sealed class SshKeySpecs
{
    private const string Api = TestFleet.Prefix + "api:1";

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    public void Should_sync_when_the_client_key_is_of_each_supported_type(string keyType)
    {
        using var fleet = new TestFleet(nodes: 2, keyType).Serving(Api);
        fleet[1].Holding(Api);
        fleet.Start();

        var run = fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api], fleet[2].Images);
    }

    [Fact]
    public void Should_sync_with_a_key_of_another_owner_its_group_can_read_as_a_secret_mounted_with_fs_group()
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        fleet[1].Holding(Api);
        fleet.Start();
        // The key is another user's (root's, in a pod), read through the group of the user the CLI runs as
        // (root here, as test.sh runs, so chown may give it away).
        Shell.Require("chown", [$"10001:{Shell.Run("id", ["-g"]).Stdout.Trim()}", fleet.ClientKey]);
        File.SetUnixFileMode(fleet.ClientKey, UnixFileMode.UserRead | UnixFileMode.GroupRead);

        var run = fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api], fleet[2].Images);
    }

    [Fact]
    public void Should_decrypt_the_key_with_the_passphrase_file_and_never_print_the_passphrase()
    {
        const string passphrase = "correct horse battery staple";
        using var fleet = new TestFleet(nodes: 2, passphrase: passphrase).Serving(Api);
        fleet[1].Holding(Api);
        var passphraseFile = Path.Combine(fleet.Root, "passphrase");
        File.WriteAllText(passphraseFile, passphrase + "\n");
        fleet.Start($"ssh.key-passphrase-file = \"{passphraseFile}\"");

        var run = fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api], fleet[2].Images);
        Assert.DoesNotContain(passphrase, run.Output + string.Concat(fleet.DayFile("image-sync")));
    }

    [Fact]
    public void Should_take_the_passphrase_from_the_environment_and_never_print_or_log_it()
    {
        const string passphrase = "s3cret-from-env";
        using var fleet = new TestFleet(nodes: 2, passphrase: passphrase).Serving(Api);
        fleet[1].Holding(Api);
        fleet[2].Failing(Api);
        fleet.Start();

        var environment = new Dictionary<string, string> { ["IMAGE_SYNC_KEY_PASSPHRASE"] = passphrase };

        var run = fleet.RunWith(environment);
        var report = fleet.RunWith(environment, "run", "--config", fleet.ConfigFile, "--json");

        Assert.True(run.ExitCode == 3, run.Output);
        var everything = run.Output + report.Output + string.Concat(Directory.GetFiles(fleet.LogDir).Select(File.ReadAllText));
        Assert.Contains("FAILED node-2", everything);
        Assert.Contains("\"result\": \"FAILED\"", report.Stdout);
        Assert.DoesNotContain(passphrase, everything);
    }

    [Fact]
    public void Should_exit_2_naming_the_key_when_the_passphrase_is_wrong()
    {
        const string right = "Kq7-right-horse", wrong = "Zp3-wrong-battery";
        using var fleet = new TestFleet(nodes: 2, passphrase: right).Serving(Api);
        var passphraseFile = Path.Combine(fleet.Root, "passphrase");
        File.WriteAllText(passphraseFile, wrong);
        fleet.Start($"ssh.key-passphrase-file = \"{passphraseFile}\"");

        var run = fleet.Run();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("image-sync.ssh.key-file", run.Stderr);
        Assert.Contains("wrong passphrase", run.Stderr);
        Assert.Empty(fleet[1].CrictlCalls);
        var everything = run.Output + string.Concat(Directory.GetFiles(fleet.LogDir).Select(File.ReadAllText));
        Assert.DoesNotContain(wrong, everything);
        Assert.DoesNotContain(right, everything);
    }

    [Fact]
    public void Should_offer_only_the_configured_key_exchanges()
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        fleet[1].Holding(Api);
        foreach (var node in fleet.Nodes) node.WithSshd("KexAlgorithms curve25519-sha256");
        fleet.Start("ssh.kex-algorithms = [\"curve25519-sha256\"]");

        var agreed = fleet.Run();
        var otherKex = Path.Combine(fleet.Root, "other-kex.conf");
        File.WriteAllText(otherKex, File.ReadAllText(fleet.ConfigFile).Replace("curve25519-sha256", "ecdh-sha2-nistp256", StringComparison.Ordinal));
        var refused = fleet.Run("run", "--config", otherKex);

        Assert.True(agreed.ExitCode == 0, agreed.Output);
        Assert.Equal([Api], fleet[2].Images);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("node-1", refused.Output);
        Assert.Contains("key exchange", refused.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Should_exit_2_naming_a_key_exchange_it_does_not_know()
    {
        using var fleet = new TestFleet(nodes: 1).Serving(Api);
        fleet.Start("ssh.kex-algorithms = [\"curve25519-sha256\", \"diffie-hellman-group1-sha0\"]");

        var run = fleet.Run();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("image-sync.ssh.kex-algorithms: diffie-hellman-group1-sha0 not supported", run.Stderr);
        Assert.Contains("curve25519-sha256", run.Stderr);
        Assert.Empty(fleet[1].CrictlCalls);
    }
}
