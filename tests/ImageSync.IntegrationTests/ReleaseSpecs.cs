using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>What an install gets from a release: the version, the documentation, and units systemd accepts.</summary>
public sealed class ReleaseSpecs : IDisposable
{
    private static readonly string Installed = Path.GetDirectoryName(Repository.Cli)! + "/";
    private readonly string _units = Directory.CreateTempSubdirectory("image-sync-units-").FullName;

    [Fact]
    public void Should_pass_systemd_analyze_verify_for_every_unit_and_timer_with_the_program_installed()
    {
        // The units name /opt/image-sync/, which this machine has not: the published directory stands in for it.
        var files = Directory.GetFiles(Path.Combine(Repository.Root, "deploy")).Where(f => f.EndsWith(".service") || f.EndsWith(".timer")).ToList();
        foreach (var file in files) File.WriteAllText(Path.Combine(_units, Path.GetFileName(file)), File.ReadAllText(file).Replace("/opt/image-sync/", Installed));

        var verify = Shell.Run("systemd-analyze", ["verify", .. files.Select(f => Path.Combine(_units, Path.GetFileName(f)))]);

        Assert.True(verify.ExitCode == 0 && verify.Output.Length == 0, $"systemd-analyze verify: {verify.Output}");
        Assert.Equal(["image-sync-run.service", "image-sync.service", "image-sync.timer"], files.Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Should_print_the_version_of_the_version_file_and_the_commit_it_was_built_from()
    {
        var version = Shell.Run(Repository.Cli, ["--version"]);

        Assert.Matches($@"^image-sync {File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim().Replace(".", @"\.")} \(commit [0-9a-f]{{40}}\)$", version.Stdout.Trim());
    }

    [Fact]
    public void Should_install_the_readme_the_units_documentation_points_at_beside_the_program()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "README.md")), File.ReadAllText(Path.Combine(Installed, "README.md")));
        Assert.True(File.Exists(Path.Combine(Installed, "CHANGELOG.md")));
    }

    public void Dispose() => Directory.Delete(_units, recursive: true);
}
