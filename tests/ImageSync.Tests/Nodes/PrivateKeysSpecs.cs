using ImageSync.Nodes.Ssh.Keys;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>Which private key modes image-sync accepts: OpenSSH's rule for the user's own keys, and a Secret's for root's.</summary>
public sealed class PrivateKeysSpecs
{
    private const uint Me = 10001;
    private const uint Root = 0;
    private const string Key = "/etc/image-sync/ssh/id_ed25519";

    [Theory]
    [InlineData(0b110_000_000)]
    [InlineData(0b100_000_000)]
    public void Should_accept_a_key_of_the_running_user_that_only_it_can_read(int mode)
    {
        Assert.Null(PrivateKeys.TooOpen(Key, (UnixFileMode)mode, Me, Me));
    }

    [Fact]
    public void Should_refuse_a_key_of_the_running_user_its_group_can_read_as_ssh_does()
    {
        var why = PrivateKeys.TooOpen(Key, (UnixFileMode)0b110_100_000, Me, Me);

        Assert.Equal($"permissions 0640 for '{Key}' are too open. It is required that your private key files are NOT accessible by others. Run: chmod 600 {Key}", why);
    }

    [Theory]
    [InlineData(0b100_100_000)]
    [InlineData(0b100_000_000)]
    public void Should_accept_a_key_of_root_its_group_can_read_as_a_secret_mounted_with_fs_group(int mode)
    {
        Assert.Null(PrivateKeys.TooOpen(Key, (UnixFileMode)mode, Root, Me));
    }

    [Theory]
    [InlineData(0b100_100_100, "0444")]
    [InlineData(0b110_110_000, "0660")]
    public void Should_refuse_a_key_of_another_owner_that_others_can_read_or_its_group_can_write(int mode, string octal)
    {
        var why = PrivateKeys.TooOpen(Key, (UnixFileMode)mode, Root, Me);

        Assert.Equal($"permissions {octal} for '{Key}' (owned by uid 0, not by this user, uid {Me}) are too open: a key of another owner may be readable "
            + $"by its group at most, as a Kubernetes Secret with fsGroup and defaultMode 0440 is. Run: chmod 440 {Key}", why);
    }

    [Fact]
    public void Should_read_the_owner_of_a_file_through_a_symlink_as_a_secret_volume_has_them()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("key"), "");
        File.CreateSymbolicLink(dir.File("link"), dir.File("key"));

        Assert.Equal(FileOwner.RunningUser, FileOwner.Of(dir.File("link")));
        Assert.Equal(Root, FileOwner.Of("/etc/passwd"));
    }
}
