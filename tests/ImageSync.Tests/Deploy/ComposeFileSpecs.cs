using System.Text.RegularExpressions;
using System.Xml.Linq;
using ImageSync.Configuration;
using ImageSync.Daemon;
using ImageSync.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace ImageSync.Tests.Deploy;

/// <summary>
/// docker-compose.yml checked without a Docker engine: what `docker compose up` would need to find is
/// there, and the config the daemon gets loads and names the compose services as its nodes.
/// </summary>
public sealed class ComposeFileSpecs
{
    private static readonly string Root = Repository.Root;
    private static readonly YamlMappingNode Compose = Load();
    private static readonly YamlMappingNode Services = (YamlMappingNode)Compose["services"];

    [Fact]
    public void Should_build_every_service_from_a_context_and_dockerfile_that_exist()
    {
        foreach (var (name, service) in ServiceMaps())
        {
            if (Build(service) is not var (context, dockerfile)) continue;
            Assert.True(Directory.Exists(context), $"{name}: build context {context} is missing");
            Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} is missing");
        }
        Assert.All(ServiceMaps(), s => Assert.NotNull(Build(s.Service)));
    }

    [Fact]
    public void Should_copy_only_files_that_exist_in_the_build_context_and_are_not_ignored()
    {
        var ignored = File.ReadAllLines(Path.Combine(Root, ".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var (context, dockerfile) in ServiceMaps().Select(s => Build(s.Service)!.Value).Distinct())
        {
            foreach (var source in CopySources(dockerfile))
            {
                Assert.True(File.Exists(Path.Combine(context, source)) || Directory.Exists(Path.Combine(context, source)), $"{dockerfile}: COPY {source}: not in the context");
                Assert.DoesNotContain(ignored, pattern => source.TrimEnd('/') == pattern || source.StartsWith(pattern + "/", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void Should_copy_into_the_build_every_file_outside_src_that_a_project_reads()
    {
        var copied = CopySources(Path.Combine(Root, "Dockerfile")).Select(c => c.TrimEnd('/')).ToList();
        foreach (var project in Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var dir = Path.GetDirectoryName(project)!;
            var outside = XDocument.Load(project).Descendants()
                .SelectMany(e => (e.Attribute("Include")?.Value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
                .Select(include => Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(dir, include))))
                .Where(file => !file.StartsWith("src/", StringComparison.Ordinal));

            Assert.All(outside, file => Assert.True(copied.Any(c => file == c || file.StartsWith(c + "/", StringComparison.Ordinal)),
                $"{Path.GetFileName(project)} reads {file}, which the Dockerfile does not copy into the build"));
        }
    }

    [Fact]
    public void Should_run_image_sync_as_an_unprivileged_user_after_a_multi_stage_build_on_the_dotnet_images()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(Root, "Dockerfile"));
        var arguments = BuildArguments(Path.Combine(Root, "Dockerfile"));

        Assert.Equal(["FROM ${SDK_IMAGE} AS build", "FROM ${RUNTIME_IMAGE}"], dockerfile.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0@", arguments["SDK_IMAGE"]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime:10.0@", arguments["RUNTIME_IMAGE"]);
        var user = dockerfile.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..];
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
    }

    [Fact]
    public void Should_build_every_image_on_bases_named_by_arguments_pinned_by_digest()
    {
        foreach (var dockerfile in new[] { "Dockerfile", "deploy/compose/node.Dockerfile" })
        {
            var lines = File.ReadAllLines(Path.Combine(Root, dockerfile));
            var arguments = BuildArguments(Path.Combine(Root, dockerfile));
            var bases = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).Select(l => Regex.Match(l, @"^FROM \$\{(?<arg>[A-Z_]+)\}( AS [a-z]+)?$")).ToList();

            Assert.NotEmpty(bases);
            Assert.All(bases, from => Assert.True(from.Success, $"{dockerfile}: a FROM that is not one build argument"));
            Assert.All(bases, from => Assert.Matches(@"^[^ ]+:[^ @]+@sha256:[0-9a-f]{64}$", arguments[from.Groups["arg"].Value]));
        }
    }

    [Fact]
    public void Should_pass_every_build_argument_a_dockerfile_needs_with_the_dockerfiles_own_defaults()
    {
        var version = File.ReadAllText(Path.Combine(Root, "VERSION")).Trim();
        foreach (var (name, service) in ServiceMaps())
        {
            var declared = BuildArguments(Build(service)!.Value.Dockerfile);
            var passed = ComposeBuildArguments(service);

            Assert.All(passed.Keys, key => Assert.True(declared.ContainsKey(key), $"{name}: passes {key}, which its Dockerfile does not declare"));
            // An ARG without a default is passed: without VERSION the build stops.
            Assert.All(declared.Where(a => a.Value is null), a => Assert.True(passed.ContainsKey(a.Key), $"{name}: does not pass {a.Key}"));
            foreach (var (key, value) in passed)
            {
                var variable = Regex.Match(value, @"^\$\{(?<name>[A-Z_]+):-(?<default>.*)\}$");
                Assert.True(variable.Success && variable.Groups["name"].Value == key, $"{name}: {key} is '{value}', not ${{{key}:-default}}");
                var fallback = variable.Groups["default"].Value;
                var expected = key == "VERSION" ? version : declared[key];
                Assert.True(expected is null || fallback == expected, $"{name}: {key} defaults to '{fallback}', not '{expected}' (the VERSION file's, or the Dockerfile's own)");
            }
        }
    }

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

    private static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static IEnumerable<(string Name, YamlMappingNode Service)> ServiceMaps() =>
        Services.Children.Select(c => (c.Key.ToString(), (YamlMappingNode)c.Value));

    /// <returns>The build context and Dockerfile as paths, or null for a service that only runs an image.</returns>
    private static (string Context, string Dockerfile)? Build(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue("build", out var build)) return null;
        if (build is YamlScalarNode contextOnly) return (Path.Combine(Root, contextOnly.Value!), Path.Combine(Root, contextOnly.Value!, "Dockerfile"));
        var map = (YamlMappingNode)build;
        var context = Path.GetFullPath(Path.Combine(Root, map["context"].ToString()));
        var dockerfile = map.Children.TryGetValue("dockerfile", out var named) ? named.ToString() : "Dockerfile";
        return (context, Path.Combine(context, dockerfile));
    }

    /// <summary>A Dockerfile's ARGs and their defaults (null: none), wherever they are declared.</summary>
    private static Dictionary<string, string?> BuildArguments(string dockerfile)
    {
        var arguments = new Dictionary<string, string?>();
        foreach (var line in File.ReadAllLines(dockerfile).Where(l => l.StartsWith("ARG ", StringComparison.Ordinal)))
        {
            var parts = line["ARG ".Length..].Split('=', 2);
            var value = parts.Length == 2 ? parts[1].Trim('"') : null;
            if (value is not null || !arguments.ContainsKey(parts[0])) arguments[parts[0]] = value;
        }
        return arguments;
    }

    private static Dictionary<string, string> ComposeBuildArguments(YamlMappingNode service) =>
        ((YamlMappingNode)service["build"]).Children.TryGetValue("args", out var args)
            ? ((YamlMappingNode)args).Children.ToDictionary(a => a.Key.ToString(), a => a.Value.ToString())
            : [];

    /// <summary>The sources of COPY lines that copy from the build context (not from another stage).</summary>
    private static IEnumerable<string> CopySources(string dockerfile) =>
        File.ReadAllLines(dockerfile)
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]);

    /// <summary>Short-syntax volumes: SOURCE:TARGET[:MODE].</summary>
    private static IEnumerable<(string Source, string Target)> Mounts(YamlMappingNode service) =>
        service.Children.TryGetValue("volumes", out var volumes)
            ? ((YamlSequenceNode)volumes).Select(v => v.ToString().Split(':')).Select(p => (p[0], p[1]))
            : [];

    private static Dictionary<string, string> Environment(string service) =>
        ((YamlMappingNode)Services[service]).Children.TryGetValue("environment", out var environment)
            ? ((YamlMappingNode)environment).Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString())
            : [];
}
