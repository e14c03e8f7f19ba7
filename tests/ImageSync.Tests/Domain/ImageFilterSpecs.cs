using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

public sealed class ImageFilterSpecs
{
    [Theory]
    [InlineData("registry.example.com/team/api:1", true)]
    [InlineData("registry.example.com/teammate/api:1", false)]
    [InlineData("registry.example.com/other/api:1", false)]
    [InlineData("ghcr.io/acme/tool:2", true)]
    [InlineData("nginx:1", false)]
    public void Should_include_only_references_starting_with_a_prefix(string reference, bool expected)
    {
        var filter = new ImageFilter(["registry.example.com/team/", "ghcr.io/acme/"], []);

        Assert.Equal(expected, filter.Matches(ImageRef.Parse(reference)));
    }

    [Fact]
    public void Should_compare_prefixes_with_the_normalized_reference()
    {
        var filter = new ImageFilter(["docker.io/library/"], []);

        Assert.True(filter.Matches(ImageRef.Parse("nginx:1.25")));
    }

    [Fact]
    public void Should_treat_prefixes_as_plain_strings_not_patterns()
    {
        var filter = new ImageFilter(["registry.example.com/te.m/"], []);

        Assert.False(filter.Matches(ImageRef.Parse("registry.example.com/team/api:1")));
    }

    [Theory]
    [InlineData("*:*-debug", "registry.example.com/team/api:1-debug", true)]
    [InlineData("*:*-debug", "registry.example.com/team/api:1", false)]
    [InlineData("registry.example.com/team/legacy*", "registry.example.com/team/legacy-x:3", true)]
    [InlineData("*/api:?", "registry.example.com/team/api:1", true)]
    [InlineData("*/api:?", "registry.example.com/team/api:10", false)]
    public void Should_exclude_references_matching_a_glob(string glob, string reference, bool excluded)
    {
        var filter = new ImageFilter([""], [glob]);

        Assert.Equal(!excluded, filter.Matches(ImageRef.Parse(reference)));
    }

    [Fact]
    public void Should_match_globs_without_runaway_backtracking()
    {
        var text = new string('a', 5_000);

        Assert.False(Glob.IsMatch("*a*a*a*a*a*a*a*a*b", text));
    }
}
