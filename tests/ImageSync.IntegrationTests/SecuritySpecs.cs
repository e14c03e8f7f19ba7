using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>Hostile nodes, host key policies, keys and files, against real sshd nodes.</summary>
public sealed class SecuritySpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private readonly TestFleet _fleet = new(nodes: 3);

    [Fact]
    public void Should_never_run_anything_a_node_smuggles_into_an_image_reference()
    {
        var marker = Path.Combine(_fleet.Root, "pwned");
        string[] hostile =
        [
            $"{TestFleet.Prefix}x:1;touch${{IFS}}{marker}",
            $"{TestFleet.Prefix}$(touch${{IFS}}{marker}):1",
            $"{TestFleet.Prefix}x:`touch${{IFS}}{marker}`",
            $"{TestFleet.Prefix}x:1|touch${{IFS}}{marker}",
            $"{TestFleet.Prefix}x:1&&touch${{IFS}}{marker}",
            $"{TestFleet.Prefix}x:1'$(touch${{IFS}}{marker})'",
        ];
        _fleet.Serving([Api, .. hostile]);
        _fleet[1].Holding([Api, .. hostile]);
        _fleet.Start();

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.False(File.Exists(marker), "a command from an image reference ran");
        Assert.All(_fleet.Nodes.Skip(1), n => Assert.Equal(["images -o json", $"pull {Api}", "images -o json"], n.ImageCalls));
        var warning = Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("[WRN] NODE node-1 reported"));
        Assert.All(hostile, reference => Assert.Contains(reference, warning));
    }

    [Fact]
    public void Should_refuse_a_node_whose_inventory_is_larger_than_the_limit_without_reading_it_all()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[3].InventoryMode("flood");
        _fleet.Start("images.max-inventory-bytes = 1MiB");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains("printed more than 1MiB; its output was refused", Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-3 UNREACHABLE")));
        Assert.Equal([Api], _fleet[2].Images);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(20), $"took {run.Elapsed}");
    }

    [Fact]
    public void Should_wait_for_a_channel_when_the_node_allows_fewer_sessions_than_the_pulls_want()
    {
        string[] images = [.. Enumerable.Range(0, 6).Select(i => $"{TestFleet.Prefix}img{i}:1")];
        _fleet.Serving(images);
        _fleet[1].Holding(images);
        _fleet[2].WithSshd("MaxSessions 1").PullLatency(TimeSpan.FromMilliseconds(300));
        _fleet.Start("pull { max-per-node = 4, max-parallel = 8 }");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(images, _fleet[2].Images);
    }

    [Fact]
    public void Should_record_unknown_host_keys_with_accept_new_and_still_refuse_a_changed_one()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start("ssh.host-key-checking = accept-new");
        _fleet.WriteKnownHosts([]);

        var first = _fleet.Run();

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal(_fleet.Nodes.Select(n => n.KnownHostsLine).Order(), File.ReadAllLines(_fleet.KnownHosts).Order());
        Assert.Contains("(accept-new)", first.Output);

        _fleet[3].Dispose();
        _fleet[3].ChangeHostKey();
        _fleet[3].Start();
        var second = _fleet.Run();

        Assert.True(second.ExitCode == 3, second.Output);
        Assert.Contains("has CHANGED", second.Output);
        Assert.Equal(3, File.ReadAllLines(_fleet.KnownHosts).Length);
    }

    [Fact]
    public void Should_refuse_a_host_missing_from_known_hosts_when_strict_and_run_nothing_on_it()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start();
        _fleet.WriteKnownHosts(_fleet.Nodes.Take(2).Select(n => n.KnownHostsLine));

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains($"no entry for [127.0.0.1]:{_fleet[3].Port} in {_fleet.KnownHosts}", run.Output);
        Assert.Empty(_fleet[3].CrictlCalls);
        Assert.Contains(Api, _fleet[2].Images);
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("accept-new")]
    [InlineData("off")]
    public void Should_refuse_a_revoked_host_key_whatever_the_policy(string policy)
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start($"ssh.host-key-checking = {policy}");
        _fleet.WriteKnownHosts([.. _fleet.Nodes.Take(2).Select(n => n.KnownHostsLine), "@revoked " + _fleet[3].KnownHostsLine]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains("is marked @revoked", run.Output);
        Assert.Empty(_fleet[3].CrictlCalls);
        Assert.Contains(Api, _fleet[2].Images);
    }

    [Fact]
    public void Should_trust_any_key_with_checking_off_and_warn_on_every_run()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start("ssh.host-key-checking = off");
        _fleet.WriteKnownHosts([]);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(3, _fleet.DayFile("image-sync").Count(l => l.Contains("[WRN]") && l.Contains("host key NOT checked (host-key-checking = off)")));
    }

    [Fact]
    public void Should_accept_hashed_known_hosts_entries()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start();
        Shell.Require("ssh-keygen", ["-H", "-f", _fleet.KnownHosts]);
        Assert.All(File.ReadAllLines(_fleet.KnownHosts), l => Assert.StartsWith("|1|", l));

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
    }

    [Fact]
    public void Should_refuse_a_private_key_others_can_read_with_the_advice_ssh_gives()
    {
        _fleet.Start();
        File.SetUnixFileMode(_fleet.ClientKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var run = _fleet.Run();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"permissions 0644 for '{_fleet.ClientKey}' are too open", run.Stderr);
        Assert.Contains("chmod 600", run.Stderr);
        Assert.All(_fleet.Nodes, n => Assert.Empty(n.CrictlCalls));
    }

    [Theory]
    [InlineData("logs.dir = /proc/image-sync-logs", "image-sync.logs.dir: cannot write day files in '/proc/image-sync-logs'")]
    [InlineData("lock-file = /proc/image-sync.lock", "cannot open the lock file /proc/image-sync.lock")]
    public void Should_exit_2_before_touching_any_node_when_logs_or_lock_cannot_be_written(string setting, string message)
    {
        _fleet.Start(setting);

        var run = _fleet.Run();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.All(_fleet.Nodes, n => Assert.Equal(0, n.Logins));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "--quiet")]
    [InlineData("run", "--json")]
    public void Should_say_once_on_stderr_why_the_lock_file_cannot_be_created(params string[] command)
    {
        _fleet.Start($"lock-file = {_fleet.Root}/gone/image-sync.lock");

        var run = _fleet.Run([.. command, "--config", _fleet.ConfigFile]);

        Assert.Equal(2, run.ExitCode);
        var line = $"image-sync: cannot open the lock file {_fleet.Root}/gone/image-sync.lock: its directory {_fleet.Root}/gone does not exist (lock-file, IMAGE_SYNC_LOCK_FILE); nothing was done";
        Assert.Equal([line], run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // Nowhere else on the console but in the JSON document asked for.
        Assert.Equal(command.Contains("--json") ? 2 : 1, run.Output.Split("cannot open the lock file").Length - 1);
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.EndsWith(line["image-sync: ".Length..]));
    }

    [Fact]
    public void Should_create_the_log_dir_and_files_for_owner_and_group_and_the_lock_for_the_owner_only()
    {
        _fleet.Start();

        Assert.Equal(0, _fleet.Run().ExitCode);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(_fleet.LogDir));
        Assert.All(Directory.GetFiles(_fleet.LogDir, "*.log"), f =>
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(f)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_fleet.LockFile));
    }

    public void Dispose() => _fleet.Dispose();
}
