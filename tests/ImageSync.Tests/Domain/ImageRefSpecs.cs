using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

public sealed class ImageRefSpecs
{
    private const string Sha = "sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1";

    [Theory]
    [InlineData("nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("nginx", "docker.io/library/nginx:latest")]
    [InlineData("library/nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("bitnami/redis:7.2", "docker.io/bitnami/redis:7.2")]
    [InlineData("index.docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("registry.example.com/team/api:1.4.2", "registry.example.com/team/api:1.4.2")]
    [InlineData("localhost:5000/app:dev", "localhost:5000/app:dev")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9")]
    [InlineData("quay.io/a/b/c/d:v1_2.3-rc", "quay.io/a/b/c/d:v1_2.3-rc")]
    [InlineData("[::1]:5000/app:1", "[::1]:5000/app:1")]
    [InlineData("my-registry:5000/some__path/with.dots-and--dashes:TAG", "my-registry:5000/some__path/with.dots-and--dashes:TAG")]
    public void Should_normalize_the_way_containerd_reports_when_the_reference_is_valid(string text, string expected)
    {
        var parsed = ImageRef.TryParse(text, out var image, out var error);

        Assert.True(parsed, error);
        Assert.Equal(expected, image!.ToString());
    }

    [Fact]
    public void Should_keep_a_digest_and_add_no_tag_when_pinned_by_digest()
    {
        var image = ImageRef.Parse($"registry.example.com/team/api@{Sha}");

        Assert.Null(image.Tag);
        Assert.Equal(Sha, image.Digest);
        Assert.Equal($"registry.example.com/team/api@{Sha}", image.ToString());
    }

    [Fact]
    public void Should_treat_a_short_name_and_its_full_name_as_the_same_image()
    {
        Assert.Equal(ImageRef.Parse("nginx:1.25"), ImageRef.Parse("docker.io/library/nginx:1.25"));
        Assert.Equal(ImageRef.Parse("nginx:1.25").GetHashCode(), ImageRef.Parse("docker.io/library/nginx:1.25").GetHashCode());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b:1;touch /tmp/x")]
    [InlineData("$(id)")]
    [InlineData("registry.example.com/team/api:$(id)")]
    [InlineData("registry.example.com/team/api:`id`")]
    [InlineData("registry.example.com/team/api:1|sh")]
    [InlineData("registry.example.com/team/api:1&&id")]
    [InlineData("registry.example.com/team/api:1'")]
    [InlineData("registry.example.com/team/api:1\"")]
    [InlineData("registry.example.com/team/api:1\n")]
    [InlineData("registry.example.com/team/api:1 2")]
    [InlineData("registry.example.com/team/api:1\0")]
    [InlineData("registry.example.com/team/API:1")]
    [InlineData("registry.example.com/team/api:-1")]
    [InlineData("registry.example.com/team/api:.1")]
    [InlineData("registry.example.com/team/api:")]
    [InlineData("registry.example.com/team//api:1")]
    [InlineData("registry.example.com/team/api/:1")]
    [InlineData("-registry.example.com/team/api:1")]
    [InlineData("registry.example.com/team/api@sha256:abc")]
    [InlineData("registry.example.com/team/api@md5:4bcff63911fcb4448bd4fdacec207030")]
    [InlineData("registry.example.com/team/api:1@sha256:4BCFF63911FCB4448BD4FDACEC207030997CAF25E9BEA4045FA6C8C44DE311D1")]
    [InlineData("registry.example.com/team/ａpi:1")] // fullwidth look-alike letter
    [InlineData("registry.example.com/team/api:１")] // fullwidth digit
    [InlineData("registry.examplе.com/team/api:1")] // Cyrillic 'е' in the host
    [InlineData("Foo/bar:1")]
    public void Should_refuse_when_the_string_is_not_a_valid_reference(string text)
    {
        var parsed = ImageRef.TryParse(text, out var image, out var error);

        Assert.False(parsed, $"'{text}' was accepted as {image}");
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Should_accept_a_tag_of_128_characters_and_refuse_129()
    {
        Assert.True(ImageRef.TryParse("registry.example.com/a:" + new string('t', 128), out _, out _));
        Assert.False(ImageRef.TryParse("registry.example.com/a:" + new string('t', 129), out _, out _));
    }

    [Fact]
    public void Should_refuse_when_the_name_is_longer_than_255_characters()
    {
        var longName = "registry.example.com/" + new string('a', 240);

        Assert.False(ImageRef.TryParse(longName + ":1", out _, out var error));
        Assert.Contains("255", error);
    }

    [Fact]
    public void Should_refuse_quickly_when_the_input_is_huge()
    {
        var huge = "registry.example.com/" + new string('a', 10_000) + ":1";

        Assert.False(ImageRef.TryParse(huge, out _, out var error));
        Assert.Contains("characters long", error);
    }

    [Fact]
    public void Should_throw_a_format_error_naming_the_problem_when_parse_fails()
    {
        var error = Assert.Throws<FormatException>(() => ImageRef.Parse("a/b:1;x"));

        Assert.Contains("tag", error.Message);
    }
}
