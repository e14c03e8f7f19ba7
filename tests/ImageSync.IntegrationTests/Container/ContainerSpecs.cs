using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageSync.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace ImageSync.IntegrationTests.Container;

/// <summary>
/// The container path run for real on a Docker engine of this machine: the image the Dockerfile builds, and the
/// docker-compose demo fleet brought up with Compose v1 (Debian's docker-compose), both on local stand-in bases.
/// </summary>
public sealed partial class ContainerSpecs(ImageSyncImage image, ITestOutputHelper output) : IClassFixture<ImageSyncImage>
{
    private const string Project = "image-sync-spec";
    private static readonly TimeSpan Convergence = TimeSpan.FromMinutes(3);

    [Fact]
    public void Should_build_an_image_that_knows_its_version_carries_its_labels_and_runs_as_uid_10001()
    {
        output.WriteLine($"stand-in bases ready in {image.BasesTime.TotalSeconds:F0} s, image built in {image.BuildTime.TotalSeconds:F0} s");

        var version = image.Docker.Require(["run", "--rm", image.Tag, "--version"]);
        var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(image.Docker.Require(["image", "inspect", "--format", "{{json .Config.Labels}}", image.Tag]))!;
        var uid = image.Docker.Require(["run", "--rm", "--entrypoint", "id", image.Tag, "-u"]);

        Assert.Equal($"image-sync {image.Version} (commit {image.Commit})", version);
        Assert.Equal(image.Version, labels["org.opencontainers.image.version"]);
        Assert.Equal(image.Commit, labels["org.opencontainers.image.revision"]);
        Assert.Equal("image-sync", labels["org.opencontainers.image.title"]);
        Assert.Equal(image.Bases.Runtime, labels["org.opencontainers.image.base.name"]);
        Assert.Equal("10001", uid);
    }

    [Fact]
    public async Task Should_turn_healthy_by_its_own_healthcheck_while_the_daemon_runs()
    {
        // A simulated fleet: the daemon runs and serves /healthz with no node to reach.
        var config = Path.Combine(image.Dir, "health.conf");
        File.WriteAllText(config, """
            image-sync {
              transport = simulated
              nodes = [ { name = worker-1 }, { name = worker-2 } ]
              images.include-prefixes = ["registry.example.com/"]
              state-file = ""
              simulated.nodes.worker-1.images = [ { ref = "registry.example.com/team/api:1.4", size = 1000 } ]
            }
            """);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var name = $"{Project}-health-{Environment.ProcessId}";
        image.Docker.Run(["rm", "-f", name]);
        image.Docker.Require(["run", "-d", "--name", name, "-v", $"{config}:/etc/image-sync/image-sync.conf:ro", image.Tag]);
        try
        {
            string Health() => image.Docker.Run(["inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name]).Stdout.Trim();

            // The image's HEALTHCHECK runs every 30 s, so the first verdict comes after about 30 s.
            await Eventually.HoldsAsync(() => Health() is var health && (health == "running healthy" || !health.StartsWith("running", StringComparison.Ordinal)),
                TimeSpan.FromMinutes(2), every: TimeSpan.FromSeconds(1));

            Assert.True(Health() == "running healthy", $"the container is {Health()}:\n{image.Docker.Run(["logs", "--tail", "40", name]).Output}");
        }
        finally
        {
            image.Docker.Run(["rm", "-f", name]);
        }
    }

    [Fact]
    public async Task Should_bring_every_demo_node_to_the_same_images_with_a_healthy_daemon_and_its_day_files()
    {
        var registry = File.ReadAllLines(Path.Combine(Repository.Root, "deploy", "compose", "registry")).Select(l => l.Split(' ')[0]).Order().ToList();
        var port = SshdNode.FreePort();
        var variables = new Dictionary<string, string>(image.Variables) { ["DEMO_METRICS_PORT"] = port.ToString() };
        Compose(variables, "down", "--volumes", "--remove-orphans");
        try
        {
            var up = Compose(variables, "up", "--detach", "--build");
            Assert.True(up.ExitCode == 0, $"docker-compose up failed ({up.ExitCode}):\n{up.Output}");
            output.WriteLine($"docker-compose up --build took {up.Elapsed.TotalSeconds:F0} s");

            var nodes = NodeServices();
            // One SUCCESS line for each image a node lacked at start (NODE_IMAGES in docker-compose.yml).
            var pulls = nodes.Sum(n => registry.Count - StartingImages(n).Count);
            var dayFiles = "";
            // Every check runs docker-compose exec once per node and once more for the day files.
            var converged = await Eventually.HoldsAsync(() =>
                nodes.All(node => Images(variables, node).SequenceEqual(registry))
                && SuccessLine().Matches(dayFiles = DayFiles(variables)).Count >= pulls, Convergence, every: TimeSpan.FromSeconds(2));

            Assert.True(converged, $"within {Convergence} the nodes hold {string.Join("; ", nodes.Select(n => $"{n}: {string.Join(' ', Images(variables, n))}"))}, not each of {string.Join(' ', registry)}; day files:\n{dayFiles}\n{Compose(variables, "logs", "--no-color", "--tail", "40").Output}");
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode);
            Assert.All(["image-sync", "success_images", "failed_images"], stem => Assert.Matches($@"(?m)^{stem}-\d{{4}}-\d{{2}}-\d{{2}}\.log$", dayFiles));
            Assert.Equal(pulls, SuccessLine().Matches(dayFiles).Count);
            Assert.DoesNotMatch(@"(?m)^\S+ (FAILED|TIMEOUT) ", dayFiles);
        }
        finally
        {
            Compose(variables, "down", "--volumes", "--remove-orphans");
        }
    }

    /// <summary>The names of the daemon's day files, then the lines of its success and failure day files.</summary>
    private static string DayFiles(IReadOnlyDictionary<string, string> variables) =>
        Compose(variables, "exec", "-T", "image-sync", "sh", "-c", "cd /var/log/image-sync && ls && cat success_images-*.log failed_images-*.log").Stdout;

    /// <summary>What a demo node holds now: the first field of each line of the stand-in crictl's state.</summary>
    private static List<string> Images(IReadOnlyDictionary<string, string> variables, string node) =>
        Compose(variables, "exec", "-T", node, "cat", "/var/lib/crictl/images").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).Order().ToList();

    /// <summary>Compose v1 (Debian's docker-compose) on the repository's docker-compose.yml, as the README runs it.</summary>
    private static ProcessResult Compose(IReadOnlyDictionary<string, string> variables, params string[] arguments)
    {
        using var compose = Shell.Start("docker-compose", ["--project-name", Project, "--file", Path.Combine(Repository.Root, "docker-compose.yml"), .. arguments],
            variables, Repository.Root);
        return compose.Wait(TimeSpan.FromMinutes(30));
    }

    /// <summary>The compose services that are demo nodes, with the images each starts with (NODE_IMAGES).</summary>
    private static IReadOnlyList<string> NodeServices() => NodeImages().Keys.Order().ToList();

    private static IReadOnlyList<string> StartingImages(string node) => NodeImages()[node];

    private static Dictionary<string, IReadOnlyList<string>> NodeImages() =>
        NodeImagesLine().Matches(File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml")))
            .ToDictionary(m => m.Groups["node"].Value, m => (IReadOnlyList<string>)m.Groups["images"].Value.Trim().Split(' '));

    [GeneratedRegex(@"NODE_NAME: (?<node>\S+)\s+NODE_IMAGES: (?<images>.+)")]
    private static partial Regex NodeImagesLine();

    [GeneratedRegex(@"(?m)^\S+ SUCCESS ")]
    private static partial Regex SuccessLine();
}
