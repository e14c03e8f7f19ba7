using ImageSync.Configuration;
using ImageSync.Daemon;
using YamlDotNet.RepresentationModel;
using static ImageSync.Tests.Deploy.ComposeFile;

namespace ImageSync.Tests.Deploy;

/// <summary>
/// docker-compose.yml's services checked without a Docker engine: what `docker compose up` would need to find is
/// there, and the config the daemon gets loads and names the compose services as its nodes.
/// </summary>
public sealed class ComposeFileSpecs
{
    [Fact]
    public void Should_keep_to_what_compose_v1_accepts_at_the_top_level()
    {
        // docker-compose 1.29 (Debian's) refuses `name:` and any other key it does not know.
        Assert.All(Compose.Children.Keys.Select(k => k.ToString()),
            key => Assert.True(key is "services" or "volumes" or "networks" || key.StartsWith("x-", StringComparison.Ordinal), $"top-level {key}: Compose v1 refuses it"));
    }

    [Fact]
    public void Should_restart_the_daemon_unless_stopped_and_give_a_stop_its_grace_and_flush()
    {
        var daemon = (YamlMappingNode)Services["image-sync"];
        var grace = DaemonSettings().ShutdownGrace;

        Assert.Equal("unless-stopped", daemon["restart"].ToString());
        Assert.True(Durations.TryParse(daemon["stop_grace_period"].ToString(), out var period));
        Assert.True(period >= DaemonLifecycle.LongestStop(grace), $"stop_grace_period {period} < {DaemonLifecycle.LongestStop(grace)}");
    }

    [Fact]
    public void Should_check_health_on_healthz_at_the_metrics_port_that_the_daemon_binds_on_every_address()
    {
        var daemon = (YamlMappingNode)Services["image-sync"];
        var check = string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)daemon["healthcheck"])["test"]).Select(n => n.ToString()));
        Assert.True(NodeAddress.TryParse(DaemonSettings().Daemon.Metrics, out var metrics, out _));

        Assert.Equal("0.0.0.0", metrics.Host);
        Assert.Contains($"/dev/tcp/127.0.0.1/{metrics.Port}", check);
        Assert.Contains("GET /healthz ", check);
        Assert.Contains("' 200 '", check);
    }

    [Fact]
    public void Should_mount_only_files_that_exist_and_volumes_that_are_declared()
    {
        var declared = ((YamlMappingNode)Compose["volumes"]).Children.Keys.Select(k => k.ToString()).ToHashSet();
        foreach (var (name, service) in ServiceMaps())
        {
            foreach (var (source, _) in Mounts(service))
            {
                if (source.StartsWith("./", StringComparison.Ordinal) || source.StartsWith('/'))
                    Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"{name}: mounts {source}, which is missing");
                else
                    Assert.True(declared.Contains(source), $"{name}: volume {source} is not declared under volumes:");
            }
        }
    }

    [Fact]
    public void Should_give_the_daemon_a_config_that_loads_and_names_compose_services_as_its_nodes()
    {
        var daemon = (YamlMappingNode)Services["image-sync"];
        Assert.Equal("daemon", ((YamlSequenceNode)daemon["command"]).First().ToString());

        var settings = DaemonSettings();

        Assert.Equal(TransportKind.Ssh, settings.Transport);
        Assert.NotEmpty(settings.Nodes);
        Assert.All(settings.Nodes, node => Assert.True(Services.Children.ContainsKey(node.Host), $"node host {node.Host} is not a compose service"));
        Assert.All(settings.Nodes, node => Assert.Equal(node.Host, Environment(node.Host)["NODE_NAME"]));
        Assert.Equal(settings.Nodes.Select(n => n.Host), Environment("keygen")["NODES"].Split(' '));
        // The key and known_hosts the keygen service writes reach the daemon through a mounted volume.
        var keyVolume = Mounts(daemon).Single(m => settings.Ssh.KeyFile.StartsWith(m.Target + "/", StringComparison.Ordinal)).Source;
        Assert.Contains(Mounts((YamlMappingNode)Services["keygen"]), m => m.Source == keyVolume);
        Assert.StartsWith(Mounts(daemon).Single(m => m.Source == keyVolume).Target + "/", settings.Ssh.KnownHostsFile);
    }

    [Fact]
    public void Should_start_each_node_with_images_the_demo_registry_serves_and_depend_only_on_services_it_has()
    {
        var served = File.ReadAllLines(Path.Combine(Root, "deploy", "compose", "registry")).Select(l => l.Split(' ')[0]).ToHashSet();
        foreach (var (name, service) in ServiceMaps())
        {
            if (service.Children.TryGetValue("depends_on", out var dependsOn))
                Assert.All(((YamlMappingNode)dependsOn).Children.Keys, d => Assert.True(Services.Children.ContainsKey(d), $"{name} depends on unknown {d}"));
            if (Environment(name).TryGetValue("NODE_IMAGES", out var images))
                Assert.All(images.Split(' '), image => Assert.Contains(image, served));
        }
    }

    [Theory]
    [InlineData("deploy/compose/keygen.sh")]
    [InlineData("deploy/compose/node-start.sh")]
    [InlineData("tests/fleet/crictl")]
    public void Should_ship_scripts_that_are_executable_and_parse(string script)
    {
        var path = Path.Combine(Root, script);
        Assert.True((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, $"{script} is not executable");
        var shell = File.ReadLines(path).First()[2..].Split(' ').Last().Trim();
        var check = System.Diagnostics.Process.Start("/bin/" + (shell == "sh" ? "sh" : "bash"), ["-n", path])!;
        check.WaitForExit();
        Assert.Equal(0, check.ExitCode);
    }

    /// <summary>The settings the daemon's container runs with, loaded from the file compose mounts as its config.</summary>
    private static ImageSyncSettings DaemonSettings()
    {
        var daemon = (YamlMappingNode)Services["image-sync"];
        var command = ((YamlSequenceNode)daemon["command"]).Select(n => n.ToString()).ToList();
        var (source, _) = Mounts(daemon).Single(m => m.Target == command[command.IndexOf("--config") + 1]);
        return SettingsLoader.Parse(File.ReadAllText(Path.Combine(Root, source)), source, _ => null);
    }

    private static Dictionary<string, string> Environment(string service) =>
        ((YamlMappingNode)Services[service]).Children.TryGetValue("environment", out var environment)
            ? ((YamlMappingNode)environment).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString())
            : [];

    /// <summary>Short-syntax volumes: SOURCE:TARGET[:MODE].</summary>
    private static IEnumerable<(string Source, string Target)> Mounts(YamlMappingNode service) =>
        service.Children.TryGetValue("volumes", out var volumes)
            ? ((YamlSequenceNode)volumes).Select(v => v.ToString().Split(':')).Select(p => (p[0], p[1]))
            : [];
}
