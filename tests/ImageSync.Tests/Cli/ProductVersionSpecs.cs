using ImageSync.Cli;

namespace ImageSync.Tests.Cli;

/// <summary>The version comes from one place, the VERSION file, into the program and its metrics.</summary>
public sealed class ProductVersionSpecs
{
    private static readonly string Version = File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim();

    [Fact]
    public void Should_build_the_version_of_the_version_file_into_the_library_and_the_program()
    {
        Assert.Equal(Version, BuildInfo.Current.Version);
        Assert.StartsWith($"image-sync {Version} (commit ", ProductVersion.Text);
    }

    [Fact]
    public void Should_have_a_changelog_section_for_the_version()
    {
        var changelog = File.ReadAllLines(Path.Combine(Repository.Root, "CHANGELOG.md"));

        Assert.Contains(changelog, l => l.StartsWith($"## [{Version}]"));
    }
}
