using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Importing;

namespace ImageSync.Tests.Importing;

/// <summary>The bash tool's configs as operators wrote them, converted and loaded back.</summary>
public sealed class LegacyConfigSpecs
{
    private const string Home = "/home/ops";

    [Fact]
    public void Should_convert_the_bash_tools_sample_config_into_settings_that_mean_the_same()
    {
        var settings = Load("""
            # image-sync configuration
            # Worker nodes
            NODE1="10.20.0.11"
            NODE2="10.20.0.12"

            # SSH
            SSH_USER="root"
            SSH_KEY="/root/.ssh/id_rsa"
            SSH_PORT=22

            # Images to keep in sync
            PREFIX="harbor.corp.example/platform/"

            # Pull settings
            TIME_OUT=300
            MAX_PARALLEL=4

            # Logging
            LOG_DIR="/var/log/image-sync"
            LOG_RETENTION_DAYS=30
            LOCK_FILE="/var/run/image-sync.lock"
            """, out var conversion);

        Assert.Equal(
            [new NodeSpec(NodeName.Parse("10.20.0.11"), "10.20.0.11", 22, "root"), new NodeSpec(NodeName.Parse("10.20.0.12"), "10.20.0.12", 22, "root")],
            settings.Nodes);
        Assert.Equal("/root/.ssh/id_rsa", settings.Ssh.KeyFile);
        Assert.Equal(["harbor.corp.example/platform/"], settings.Images.IncludePrefixes);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.Pull.Timeout);
        Assert.Equal(4, settings.Pull.MaxParallel);
        Assert.Equal(4, settings.Pull.MaxPerNode);
        Assert.Equal("/var/log/image-sync", settings.Logs.Dir);
        Assert.Equal(30, settings.Logs.RetentionDays);
        Assert.Equal("/var/run/image-sync.lock", settings.LockFile);
        Assert.Empty(conversion.Warnings);
        Assert.Contains("# NODE1, line 3", conversion.Hocon);
        // The helper is suggested, not switched on: the nodes do not have it yet.
        Assert.Contains("  # ssh.node-helper = on  # least privilege: once deploy/node/image-sync-node is", conversion.Hocon);
        Assert.False(settings.Ssh.NodeHelper);
    }

    [Fact]
    public void Should_read_unquoted_single_quoted_exported_and_commented_values()
    {
        var settings = Load("""
            export NODE1=worker-a.k8s.local   # the first one
              NODE2='worker-b.k8s.local'
            NODE3=ops@worker-c.k8s.local
            SSH_USER=admin
            SSH_PORT=2222 # not 22
            PREFIX='registry.example.com/team a/'
            TIME_OUT=5m
            MAX_PARALLEL=16
            """, out var conversion);

        Assert.Equal(["worker-a.k8s.local", "worker-b.k8s.local", "worker-c.k8s.local"], settings.Nodes.Select(n => n.Host));
        Assert.Equal(["admin", "admin", "ops"], settings.Nodes.Select(n => n.User));
        Assert.All(settings.Nodes, n => Assert.Equal(2222, n.Port));
        Assert.Equal(["registry.example.com/team a/"], settings.Images.IncludePrefixes);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.Pull.Timeout);
        Assert.Equal((16, 10), (settings.Pull.MaxParallel, settings.Pull.MaxPerNode));
        Assert.Contains(conversion.Warnings, w => w.Contains("MAX_PARALLEL 16: at most 10 pulls run on one node"));
    }

    [Fact]
    public void Should_expand_home_and_variables_the_file_sets_itself()
    {
        var settings = Load("""
            BASE=/srv/image-sync
            NODE1=n1
            NODE2=n2
            SSH_KEY=$HOME/.ssh/id_ed25519
            PREFIX="docker.io/library/"
            LOG_DIR="${BASE}/logs"
            LOCK_FILE=$BASE/lock
            """, out var conversion);

        Assert.Equal($"{Home}/.ssh/id_ed25519", settings.Ssh.KeyFile);
        Assert.Equal("/srv/image-sync/logs", settings.Logs.Dir);
        Assert.Equal("/srv/image-sync/lock", settings.LockFile);
        Assert.Equal(["line 1: BASE is not a setting of the bash tool; not carried over"], conversion.Warnings);
    }

    [Fact]
    public void Should_convert_timeouts_as_gnu_timeout_reads_them()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), Load(Minimal + "TIME_OUT=1.5m", out _).Pull.Timeout);
        Assert.Equal(TimeSpan.FromHours(2), Load(Minimal + "TIME_OUT=2h", out _).Pull.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(45), Load(Minimal + "TIME_OUT=45s", out _).Pull.Timeout);
        Assert.Equal(TimeSpan.FromDays(1), Load(Minimal + "TIME_OUT=1d", out _).Pull.Timeout);
    }

    [Fact]
    public void Should_report_unknown_and_repeated_keys_and_still_convert()
    {
        var conversion = LegacyConfig.Convert(Minimal + """
            SLACK_WEBHOOK=https://hooks.example.com/x
            PREFIX="quay.io/"
            """, "old.conf");

        Assert.NotNull(conversion.Hocon);
        Assert.Equal(
            ["line 5: PREFIX is set again (first on line 3); the last value counts, as in bash",
             "line 4: SLACK_WEBHOOK is not a setting of the bash tool; not carried over"],
            conversion.Warnings);
        Assert.Contains("[\"quay.io/\"]", conversion.Hocon);
    }

    [Theory]
    [InlineData("10.0.0.12", "10.0.0.12", 22, "root")]
    [InlineData("ops@10.0.0.12", "10.0.0.12", 22, "ops")]
    [InlineData("10.0.0.12:2222", "10.0.0.12", 2222, "root")]
    [InlineData("root@10.0.0.12:22", "10.0.0.12", 22, "root")]
    [InlineData("ops@worker-2.k8s.local:2200", "worker-2.k8s.local", 2200, "ops")]
    [InlineData("[fd00::12]", "fd00::12", 22, "root")]
    [InlineData("[fd00::12]:2222", "fd00::12", 2222, "root")]
    [InlineData("ops@[fd00::12]:2222", "fd00::12", 2222, "ops")]
    [InlineData("fd00::12", "fd00::12", 22, "root")]
    public void Should_split_a_node_written_as_ssh_takes_it_into_host_port_and_user(string node, string host, int port, string user)
    {
        var settings = Load($"NODE1=worker-1\nNODE2=\"{node}\"\nPREFIX=registry.example.com/\n", out _);

        var second = settings.Nodes[1];
        Assert.Equal((host, port, user), (second.Host, second.Port, second.User));
    }

    [Fact]
    public void Should_name_a_node_by_its_address_unless_another_node_took_that_name()
    {
        var settings = Load("NODE1=10.0.0.12:2222\nNODE2=10.0.0.12:2223\nNODE3=[fd00::1]\nPREFIX=registry.example.com/\n", out _);

        Assert.Equal(["10.0.0.12", "node-2", "node-3"], settings.Nodes.Select(n => n.Name.Value));
        Assert.Equal([2222, 2223, 22], settings.Nodes.Select(n => n.Port));
    }

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

    [Fact]
    public void Should_quote_values_so_that_hocon_reads_them_back_unchanged()
    {
        var settings = Load(Minimal.Replace("PREFIX=\"registry.example.com/\"", "PREFIX='reg.example.com/a\"b\\\\c${x}/'", StringComparison.Ordinal), out _);

        Assert.Equal(["reg.example.com/a\"b\\\\c${x}/"], settings.Images.IncludePrefixes);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nNODE3 = c", "line 4: not a KEY=VALUE assignment: NODE3 = c" },
        { "NODE1=a\nNODE2=b\nPREFIX=\"x/", "line 3: PREFIX: the double quote is never closed" },
        { "NODE1=a\nNODE2=b\nPREFIX='x/", "line 3: PREFIX: the single quote is never closed" },
        { "NODE1=$(hostname)\nNODE2=b\nPREFIX=x/", "line 1: NODE1: runs a command ($(...) or backticks)" },
        { "NODE1=`hostname`\nNODE2=b\nPREFIX=x/", "line 1: NODE1: runs a command" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/; rm -rf /", "line 3: PREFIX: holds the shell operator ';'" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/ y/", "line 3: PREFIX: more than one word after '=' (y/); quote the value" },
        { "NODE1=$WORKER\nNODE2=b\nPREFIX=x/", "line 1: NODE1: refers to $WORKER, which this file does not set" },
        { "NODE1=${WORKER:-a}\nNODE2=b\nPREFIX=x/", "line 1: NODE1: uses the shell expansion ${…" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nSSH_PORT=ssh", "line 4: SSH_PORT: 'ssh' is not a whole number" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nMAX_PARALLEL=-1", "line 4: MAX_PARALLEL: '-1' is not a whole number" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nTIME_OUT=5 minutes", "line 4: TIME_OUT: more than one word" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nTIME_OUT=5min", "line 4: TIME_OUT: '5min' is not a duration as `timeout` reads it" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nTIME_OUT=0", "line 4: TIME_OUT: 0 let a pull run forever" },
        { "PREFIX=x/", "no NODE1, NODE2, …: there are no nodes to sync" },
        { "NODE1=a\nNODE2=b", "PREFIX is not set" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nSSH_PORT=70000", "the converted config does not load: image-sync.ssh.port" },
        { "NODE1=a\nNODE2='b;c'\nPREFIX=x/", "line 2: NODE2: 'b;c' is not a host name or IP address (write host, user@host, host:port" },
        { "NODE1=a\nNODE2=root@b:ssh\nPREFIX=x/", "line 2: NODE2: 'ssh' is not a port from 1 to 65535" },
        { "NODE1=a\nNODE2='root;id@b'\nPREFIX=x/", "line 2: NODE2: 'root;id' is not a valid login name" },
        { "NODE1=a\nNODE2=[10.0.0.1]:22\nPREFIX=x/", "line 2: NODE2: '10.0.0.1' in brackets is not an IPv6 address" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nSSH_OPTS='-o ConnectTimeout=soon'", "line 4: SSH_OPTS: 'soon' is not a whole number" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nUSE_SUDO=maybe", "line 4: USE_SUDO: 'maybe' is not yes or no" },
        { "NODE1=a\nNODE2=a\nPREFIX=x/", "the converted config does not load: image-sync.nodes[1]" },
        { "\0\u0001binary", "line 1: not a KEY=VALUE assignment" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Should_refuse_what_it_cannot_convert_naming_the_line_and_the_reason(string text, string problem)
    {
        var conversion = LegacyConfig.Convert(text, "old.conf");

        Assert.Null(conversion.Hocon);
        Assert.Contains(conversion.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_report_every_problem_at_once()
    {
        var conversion = LegacyConfig.Convert("NODE1=$(hostname)\nSSH_PORT=x\nTIME_OUT=soon\n", "old.conf");

        Assert.Equal(5, conversion.Problems.Count);
    }

    private const string Minimal = """
        NODE1=n1
        NODE2=n2
        PREFIX="registry.example.com/"

        """;

    private static ImageSyncSettings Load(string old, out LegacyConfig.Conversion conversion)
    {
        conversion = LegacyConfig.Convert(old, "old.conf");
        Assert.True(conversion.Hocon is not null, string.Join("\n", conversion.Problems));
        return SettingsLoader.Parse(conversion.Hocon, "converted.conf", name => name == "HOME" ? Home : null);
    }
}
