using System.Diagnostics;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests.Container;

/// <summary>
/// The image-sync image built from the repository's Dockerfile as the README says to, on the stand-in bases, by a
/// Docker engine of this machine: shared by the container specs, which run it and the compose demo.
/// </summary>
public sealed class ImageSyncImage : IDisposable
{
    public ImageSyncImage()
    {
        Dir = Directory.CreateTempSubdirectory("image-sync-container-").FullName;
        var clock = Stopwatch.StartNew();
        Docker = new DockerEngine(Dir);
        try
        {
            Bases = StandInBases.Ensure(Docker, Dir);
            BasesTime = clock.Elapsed;
            Version = File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim();
            Commit = Shell.Run("git", ["-C", Repository.Root, "rev-parse", "HEAD"]).Stdout.Trim();
            Tag = $"image-sync-spec:{Version}";
            var arguments = Variables.Where(v => v.Key != "NODE_BASE_IMAGE").SelectMany(v => new[] { "--build-arg", $"{v.Key}={v.Value}" });
            Docker.Require(["build", .. arguments, "-t", Tag, Repository.Root], TimeSpan.FromMinutes(40));
            BuildTime = clock.Elapsed - BasesTime;
        }
        catch
        {
            Docker.Dispose();
            throw;
        }
    }

    public string Dir { get; }

    public DockerEngine Docker { get; }

    public StandInBases Bases { get; }

    public string Version { get; }

    public string Commit { get; }

    public string Tag { get; }

    /// <summary>How long making (or finding) the bases took, and then the build.</summary>
    public TimeSpan BasesTime { get; }

    public TimeSpan BuildTime { get; }

    /// <summary>
    /// The build arguments of both Dockerfiles, which docker-compose.yml takes from variables of the same names: the
    /// version and commit as the README passes them, the stand-in bases, and what lets the build's restore reach the
    /// NuGet feed as this machine's own does: the CAs this machine trusts beyond Debian's (those of a TLS-intercepting
    /// proxy, where there is one) and its NuGet revocation mode.
    /// </summary>
    public IReadOnlyDictionary<string, string> Variables => new Dictionary<string, string>(Bases.BuildArguments)
    {
        ["VERSION"] = Version,
        ["COMMIT"] = Commit,
        ["EXTRA_CA_CERTS"] = LocalCertificates(),
        ["NUGET_CERT_REVOCATION_MODE"] = Environment.GetEnvironmentVariable("NUGET_CERT_REVOCATION_MODE") is { Length: > 0 } mode ? mode : "online",
    };

    private static string LocalCertificates()
    {
        const string dir = "/usr/local/share/ca-certificates";
        return Directory.Exists(dir)
            ? string.Join('\n', Directory.EnumerateFiles(dir, "*.crt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => File.ReadAllText(f).Trim()))
            : "";
    }

    public void Dispose()
    {
        Docker.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
