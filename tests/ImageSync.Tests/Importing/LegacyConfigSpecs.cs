using ImageSync.Domain;
using ImageSync.Importing;
using static ImageSync.Tests.Importing.LegacyConfigs;

namespace ImageSync.Tests.Importing;

/// <summary>The bash tool's configs as operators wrote them, converted and loaded back: values in every quoting, nodes, timeouts and unknown keys.</summary>
public sealed class LegacyConfigSpecs
{
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

    [Fact]
    public void Should_quote_values_so_that_hocon_reads_them_back_unchanged()
    {
        var settings = Load(Minimal.Replace("PREFIX=\"registry.example.com/\"", "PREFIX='reg.example.com/a\"b\\\\c${x}/'", StringComparison.Ordinal), out _);

        Assert.Equal(["reg.example.com/a\"b\\\\c${x}/"], settings.Images.IncludePrefixes);
    }
}
