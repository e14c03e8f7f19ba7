using System.Text.RegularExpressions;
using System.Xml.Linq;
using YamlDotNet.RepresentationModel;
using static ImageSync.Tests.Deploy.ComposeFile;

namespace ImageSync.Tests.Deploy;

/// <summary>
/// The images docker-compose.yml builds, checked without a Docker engine: contexts and Dockerfiles that exist,
/// COPY lines that find their files, bases pinned by digest and the build arguments each Dockerfile needs.
/// </summary>
public sealed class ComposeBuildSpecs
{
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
}
