using System.Text.RegularExpressions;

namespace ImageSync.Tests.Deploy;

/// <summary>The Dockerfile read without a Docker engine: its final stage's instructions, continuation lines joined.</summary>
public sealed partial class DockerfileSpecs
{
    private static readonly List<(string Instruction, string Arguments)> Final = FinalStage();

    [Fact]
    public void Should_label_the_image_with_the_version_it_checks_against_the_version_file()
    {
        var labels = LabelPattern().Matches(Single("LABEL")).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
        var build = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"));

        Assert.Equal("$VERSION", labels["org.opencontainers.image.version"]);
        Assert.Equal("$COMMIT", labels["org.opencontainers.image.revision"]);
        Assert.Equal("image-sync", labels["org.opencontainers.image.title"]);
        Assert.Contains("RUN test \"$VERSION\" = \"$(cat VERSION)\"", build);
        Assert.Contains(Final, i => i == ("ARG", "VERSION"));
    }

    [Fact]
    public void Should_expose_the_daemons_endpoint_and_cluster_port_and_serve_the_endpoint_on_every_address()
    {
        Assert.Equal(["9464", "4053"], Single("EXPOSE").Split(' '));
        Assert.Contains("IMAGE_SYNC_METRICS=0.0.0.0:9464", Single("ENV"));
    }

    [Fact]
    public void Should_check_its_health_with_the_program_itself_in_exec_form()
    {
        var check = Single("HEALTHCHECK");

        Assert.EndsWith("CMD [\"/opt/image-sync/image-sync\", \"probe\", \"--timeout\", \"5s\", \"http://127.0.0.1:9464/healthz\"]", check);
        Assert.Equal("image-sync", Single("USER"));
    }

    /// <summary>The variables the image sets for the program (its ENV), as a pod of it starts with them.</summary>
    public static Dictionary<string, string> Environment() =>
        Single("ENV").Split(' ').Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]);

    private static string Single(string instruction) => Final.Single(i => i.Instruction == instruction).Arguments;

    private static List<(string, string)> FinalStage()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile")).Replace("\\\n", " ");
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        return lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM "))).Select(l => (l[..l.IndexOf(' ')], Regex.Replace(l[(l.IndexOf(' ') + 1)..], @"\s+", " "))).ToList();
    }

    [GeneratedRegex(@"(?<key>[a-z.]+)=""(?<value>[^""]*)""")]
    private static partial Regex LabelPattern();
}
