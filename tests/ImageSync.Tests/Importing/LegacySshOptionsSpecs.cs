using ImageSync.Configuration;
using ImageSync.Importing;
using static ImageSync.Tests.Importing.LegacyConfigs;

namespace ImageSync.Tests.Importing;

/// <summary>The bash tool's SSH_OPTS and ssh-related variables, carried over into image-sync's ssh settings: bastions, host key checking and the options it has no setting for.</summary>
public sealed class LegacySshOptionsSpecs
{
    [Theory]
    [InlineData("-o ProxyJump=ops@bastion.example.com:2222")]
    [InlineData("-oProxyJump=ops@bastion.example.com:2222")]
    [InlineData("-o ProxyJump ops@bastion.example.com:2222")]
    [InlineData("-J ops@bastion.example.com:2222")]
    public void Should_carry_over_a_bastion_into_ssh_jump_when_the_old_ssh_options_name_one(string options)
    {
        var settings = Load(Minimal + $"SSH_OPTS=\"{options}\"\n", out var conversion);

        Assert.All(settings.Nodes, n => Assert.Equal("ops@bastion.example.com:2222", n.Jump.ToString()));
        Assert.Empty(conversion.Warnings);
    }

    [Fact]
    public void Should_carry_over_a_chain_of_bastions_in_its_order_when_proxy_jump_lists_several()
    {
        var settings = Load(Minimal + "SSH_OPTS='-J ops@b1,b2:2222 -l deploy'\n", out _);

        Assert.All(settings.Nodes, n => Assert.Equal("ops@b1:22,deploy@b2:2222", n.Jump.ToString()));
    }

    [Fact]
    public void Should_reach_nodes_directly_when_proxy_jump_is_none()
    {
        var settings = Load(Minimal + "SSH_OPTS='-o ProxyJump=none'\n", out var conversion);

        Assert.All(settings.Nodes, n => Assert.True(n.Jump.IsDirect));
        Assert.Empty(conversion.Warnings);
    }

    [Fact]
    public void Should_name_the_bastion_it_cannot_read_when_proxy_jump_holds_a_uri()
    {
        var conversion = LegacyConfig.Convert(Minimal + "SSH_OPTS='-J ssh://ops@b1:22'\n", "old.conf");

        Assert.Equal(["line 4: SSH_OPTS: ProxyJump 'ssh://ops@b1:22': 'ssh://ops' is not a valid login name (image-sync takes user@host:port bastions)"], conversion.Problems);
    }

    [Fact]
    public void Should_carry_over_the_variables_such_configs_often_have_and_name_those_it_skips()
    {
        var settings = Load(Minimal + """
            KNOWN_HOSTS=/etc/image-sync/known_hosts
            CONNECT_TIMEOUT=7
            RETENTION_DAYS=14
            CRICTL_PATH=/usr/local/bin/crictl
            USE_SUDO=yes
            SSH_OPTS="-o StrictHostKeyChecking=accept-new -o ServerAliveInterval=20 -p 2200 -o BatchMode=yes -o Compression=yes -4"
            DRY_RUN=false
            """, out var conversion);

        Assert.Equal("/etc/image-sync/known_hosts", settings.Ssh.KnownHostsFile);
        Assert.Equal(TimeSpan.FromSeconds(7), settings.Ssh.ConnectTimeout);
        Assert.Equal(14, settings.Logs.RetentionDays);
        Assert.Equal("/usr/local/bin/crictl", settings.Ssh.Crictl);
        Assert.True(settings.Ssh.Sudo);
        Assert.Equal(HostKeyChecking.AcceptNew, settings.Ssh.HostKeyChecking);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.Ssh.KeepAlive);
        Assert.All(settings.Nodes, n => Assert.Equal(2200, n.Port));
        Assert.Equal(
            ["line 9: SSH_OPTS: -o Compression is not carried over (image-sync has no such setting)",
             "line 9: SSH_OPTS: '-4' is not carried over (image-sync has no such setting)",
             "line 10: DRY_RUN is not carried over: `image-sync plan` shows what a run would pull, and changes nothing"],
            conversion.Warnings);
    }

    [Fact]
    public void Should_turn_off_host_key_checking_only_when_the_old_ssh_options_did_and_say_so()
    {
        var settings = Load(Minimal + "SSH_OPTIONS='-oStrictHostKeyChecking=no -o UserKnownHostsFile /dev/null'\n", out var conversion);

        Assert.Equal(HostKeyChecking.Off, settings.Ssh.HostKeyChecking);
        Assert.Equal("/dev/null", settings.Ssh.KnownHostsFile);
        Assert.Contains("StrictHostKeyChecking=no becomes ssh.host-key-checking = off", Assert.Single(conversion.Warnings));
    }
}
