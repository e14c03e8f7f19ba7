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

        var run = fleet.RunWith(new Dictionary<string, string> { ["IMAGE_SYNC_KEY_PASSPHRASE"] = passphrase });

        Assert.True(run.ExitCode == 3, run.Output);
        var everything = run.Output + string.Concat(Directory.GetFiles(fleet.LogDir).Select(File.ReadAllText));
        Assert.Contains("FAILED node-2", everything);
        Assert.DoesNotContain(passphrase, everything);
    }

    [Fact]
    public void Should_exit_2_naming_the_key_when_the_passphrase_is_wrong()
    {
        using var fleet = new TestFleet(nodes: 2, passphrase: "right").Serving(Api);
        var passphraseFile = Path.Combine(fleet.Root, "passphrase");
        File.WriteAllText(passphraseFile, "wrong");
        fleet.Start($"ssh.key-passphrase-file = \"{passphraseFile}\"");

        var run = fleet.Run();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("image-sync.ssh.key-file", run.Stderr);
        Assert.Contains("wrong passphrase", run.Stderr);
        Assert.Empty(fleet[1].CrictlCalls);
    }
}
