using ImageSync.Configuration;
using ImageSync.Domain;
using static ImageSync.Tests.Configuration.SampleConfig;

namespace ImageSync.Tests.Configuration;

/// <summary>How a config file becomes settings: the reference's defaults, the environment's overrides, every accepted spelling, and the shipped configs.</summary>
public sealed class SettingsLoaderSpecs
{
    [Fact]
    public void Should_take_every_default_from_the_reference_when_the_file_sets_only_what_differs()
    {
        var settings = SettingsLoader.Parse(Minimal, environment: HomeOnly);

        Assert.Equal(TransportKind.Ssh, settings.Transport);
        Assert.Equal([new NodeSpec(NodeName.Parse("worker-1"), "10.0.0.11", 22, "root"), new NodeSpec(NodeName.Parse("worker-2"), "10.0.0.12", 2222, "ops")], settings.Nodes);
        Assert.Equal("/home/tester/.ssh/id_ed25519", settings.Ssh.KeyFile);
        Assert.Equal("/home/tester/.ssh/known_hosts", settings.Ssh.KnownHostsFile);
        Assert.Equal(HostKeyChecking.Strict, settings.Ssh.HostKeyChecking);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Ssh.ConnectTimeout);
        Assert.False(settings.Ssh.Sudo);
        Assert.Equal("crictl", settings.Ssh.Crictl);
        Assert.Empty(settings.Ssh.KexAlgorithms);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Pull.Timeout);
        Assert.Equal(8, settings.Pull.MaxParallel);
        Assert.Equal(2, settings.Pull.MaxPerNode);
        Assert.Equal("/var/log/image-sync", settings.Logs.Dir);
        Assert.Equal(30, settings.Logs.RetentionDays);
        Assert.Equal((LogFormat.Text, Serilog.Events.LogEventLevel.Information, true), (settings.Logs.Format, settings.Logs.Level, settings.Logs.DayFiles));
        Assert.Equal("/var/lock/image-sync.lock", settings.LockFile);
        Assert.Equal(TimeSpan.FromMinutes(15), settings.Daemon.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ShutdownGrace);
    }

    [Fact]
    public void Should_let_environment_variables_override_the_reference()
    {
        var environment = new Dictionary<string, string> { ["IMAGE_SYNC_SSH_USER"] = "deploy", ["IMAGE_SYNC_LOG_DIR"] = "/srv/logs", ["HOME"] = "/root" };

        var settings = SettingsLoader.Parse(Minimal, environment: environment.GetValueOrDefault);

        Assert.Equal("deploy", settings.Nodes[0].User);
        Assert.Equal("ops", settings.Nodes[1].User);
        Assert.Equal("/srv/logs", settings.Logs.Dir);
    }

    [Fact]
    public void Should_take_the_log_options_from_the_environment_for_a_container()
    {
        var environment = new Dictionary<string, string> { ["IMAGE_SYNC_LOG_FORMAT"] = "json", ["IMAGE_SYNC_LOG_LEVEL"] = "warning", ["IMAGE_SYNC_LOG_DAY_FILES"] = "off" };

        var logs = SettingsLoader.Parse(Minimal, environment: environment.GetValueOrDefault).Logs;

        Assert.Equal((LogFormat.Json, Serilog.Events.LogEventLevel.Warning, false), (logs.Format, logs.Level, logs.DayFiles));
    }

    [Fact]
    public void Should_read_durations_switches_and_choices_in_every_accepted_spelling()
    {
        var settings = SettingsLoader.Parse(Minimal + """

            image-sync {
              ssh { sudo = on, host-key-checking = accept-new, keepalive = 0s, connect-timeout = 2500ms, crictl = /usr/bin/crictl }
              pull { timeout = 1h, retry-backoff = 1.5 seconds }
              daemon.interval = 2 minutes
            }
            """, environment: HomeOnly);

        Assert.True(settings.Ssh.Sudo);
        Assert.Equal(HostKeyChecking.AcceptNew, settings.Ssh.HostKeyChecking);
        Assert.Equal(TimeSpan.Zero, settings.Ssh.KeepAlive);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), settings.Ssh.ConnectTimeout);
        Assert.Equal(TimeSpan.FromHours(1), settings.Pull.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1.5), settings.Pull.RetryBackoff);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Daemon.Interval);
    }

    [Fact]
    public void Should_read_the_simulated_fleet_and_refuse_nodes_it_does_not_list()
    {
        var text = """
            image-sync {
              transport = simulated
              images.include-prefixes = [""]
              nodes = [ { name = w1 }, { name = w2 } ]
              simulated.nodes {
                w1 { images = [ { ref = "nginx:1.25", size = 100 } ], failing = ["registry.example.com/x:1"], pull-latency = 50ms }
                w9 { }
              }
            }
            """;

        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(text, environment: HomeOnly));
        Assert.Contains("image-sync.simulated.nodes.w9", Assert.Single(error.Problems));

        var settings = SettingsLoader.Parse(text.Replace("w9 { }", ""), environment: HomeOnly);
        var w1 = settings.Simulated.Nodes[NodeName.Parse("w1")];
        Assert.Equal("docker.io/library/nginx:1.25", Assert.Single(w1.Images).Ref.ToString());
        Assert.Equal(TimeSpan.FromMilliseconds(50), w1.PullLatency);
        Assert.Single(w1.Failing);
    }

    [Fact]
    public void Should_lay_the_shipped_cluster_overlay_over_a_config()
    {
        using var dir = new Support.TempDirectory();
        File.WriteAllText(dir.File("replica.conf"), Minimal + $"\ninclude \"{Path.Combine(Repository.Root, "hocon", "cluster.conf")}\"\nimage-sync.cluster.hostname = 10.0.0.6");

        var cluster = SettingsLoader.Load(dir.File("replica.conf"), HomeOnly).Cluster;

        Assert.True(cluster.Enabled);
        Assert.Equal(("10.0.0.6", 4053), (cluster.Hostname, cluster.Port));
        Assert.Equal(3, cluster.SeedNodes.Count);
    }

    [Fact]
    public void Should_refuse_a_cluster_without_seed_nodes_or_with_a_bad_one()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(Minimal + "\nimage-sync.cluster { enabled = on, seed-nodes = [\"tcp://10.0.0.5\"] }", environment: HomeOnly));

        Assert.Contains("is not an address like akka.tcp://image-sync@10.0.0.5:4053", Assert.Single(error.Problems));
    }

    [Fact]
    public void Should_load_the_shipped_demo_config()
    {
        var settings = SettingsLoader.Load(Path.Combine(Repository.Root, "hocon", "demo.conf"), HomeOnly);

        Assert.Equal(TransportKind.Simulated, settings.Transport);
        Assert.Equal(3, settings.Nodes.Count);
        Assert.Equal("./logs", settings.Logs.Dir);
    }

    [Fact]
    public void Should_take_an_empty_node_list_when_the_nodes_come_from_kubernetes()
    {
        var settings = SettingsLoader.Parse("""
            image-sync {
              nodes = []
              nodes-from.kubernetes { enabled = on, kubeconfig = ~/.kube/admin.conf, label-selector = "node-role.kubernetes.io/worker" }
              images.include-prefixes = ["registry.example.com/"]
            }
            """, "k8s.conf", name => name == "HOME" ? "/home/ops" : null);

        Assert.Empty(settings.Nodes);
        Assert.Equal(new KubernetesSettings(true, "/home/ops/.kube/admin.conf", "", "node-role.kubernetes.io/worker", "InternalIP", true, true, TimeSpan.FromSeconds(10)),
            settings.NodesFromKubernetes);
    }

    [Fact]
    public void Should_leave_the_agent_off_and_know_the_key_file_as_the_default()
    {
        var ssh = SettingsLoader.Parse(Minimal, environment: HomeOnly).Ssh;

        Assert.False(ssh.Agent);
        Assert.True(ssh.KeyFileIsDefault);
    }

    [Theory]
    [InlineData("ssh.key-file = /keys/id_ed25519", null)]
    [InlineData("", "/keys/id_ed25519")]
    public void Should_treat_a_key_file_set_in_a_file_or_by_IMAGE_SYNC_SSH_KEY_FILE_as_explicit(string line, string? variable)
    {
        var environment = new Dictionary<string, string> { ["HOME"] = "/home/tester" };
        if (variable is not null) environment["IMAGE_SYNC_SSH_KEY_FILE"] = variable;

        var ssh = SettingsLoader.Parse(Minimal + $"\nimage-sync {{ {line} }}", environment: environment.GetValueOrDefault).Ssh;

        Assert.Equal("/keys/id_ed25519", ssh.KeyFile);
        Assert.False(ssh.KeyFileIsDefault);
    }

    [Fact]
    public void Should_accept_no_key_file_when_the_agent_is_on()
    {
        var ssh = SettingsLoader.Parse(Minimal + "\nimage-sync.ssh { agent = on, key-file = \"\" }", environment: HomeOnly).Ssh;

        Assert.True(ssh.Agent);
        Assert.Equal("", ssh.KeyFile);
    }
}
