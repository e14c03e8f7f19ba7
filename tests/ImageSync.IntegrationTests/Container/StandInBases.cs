using System.Security.Cryptography;
using System.Text;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests.Container;

/// <summary>
/// Local stand-ins for the base images the Dockerfiles name, made with no registry: a Debian 12 root filesystem from
/// debootstrap (Debian's own packages), alone for the demo nodes' base and with this machine's .NET installation
/// for the SDK and runtime bases, each brought into the engine with <c>docker import</c>.
/// Made once per machine: the images stay in the engine under tags that name what went into them, and the root
/// filesystem stays in <see cref="CacheDir"/>, so a new .NET on the machine only costs new imports.
/// </summary>
/// <param name="Debian">Stands in for <c>debian:12-slim</c> (<c>NODE_BASE_IMAGE</c>).</param>
/// <param name="Sdk">Stands in for <c>mcr.microsoft.com/dotnet/sdk:10.0</c> (<c>SDK_IMAGE</c>).</param>
/// <param name="Runtime">Stands in for <c>mcr.microsoft.com/dotnet/runtime:10.0</c> (<c>RUNTIME_IMAGE</c>).</param>
public sealed record StandInBases(string Debian, string Sdk, string Runtime)
{
    public const string CacheDir = "/var/cache/image-sync-tests";
    private const string Suite = "bookworm";

    // ca-certificates: the restore's TLS; libicu72: the SDK's globalization (image-sync itself runs invariant).
    private static readonly string[] Packages = ["ca-certificates", "libicu72"];

    // What the runtime base leaves out of the .NET installation: all but the host and Microsoft.NETCore.App.
    private static readonly string[] SdkOnly = ["sdk", "sdk-manifests", "packs", "templates", "shared/Microsoft.AspNetCore.App"];

    // As the .NET images set them; telemetry off because a test's builds are nobody's usage.
    private const string DotnetEnvironment = "ENV DOTNET_RUNNING_IN_CONTAINER=true DOTNET_NOLOGO=true DOTNET_CLI_TELEMETRY_OPTOUT=true";

    /// <summary>The three bases, imported now unless the engine already holds them as they would be made.</summary>
    public static StandInBases Ensure(DockerEngine docker, string workDir)
    {
        var dotnet = DotnetRoot();
        var rootfsRecipe = Hash($"{Suite} minbase {string.Join(',', Packages)}");
        var sdks = Versions(Path.Combine(dotnet, "sdk"));
        var runtimes = Versions(Path.Combine(dotnet, "shared", "Microsoft.NETCore.App"));
        var dotnetRecipe = Hash($"{rootfsRecipe} {string.Join(',', sdks)} {string.Join(',', runtimes)} {string.Join(',', SdkOnly)} {DotnetEnvironment}");
        var bases = new StandInBases(
            $"image-sync-stand-in/debian:12-{rootfsRecipe}",
            $"image-sync-stand-in/dotnet-sdk:{sdks[^1]}-{dotnetRecipe}",
            $"image-sync-stand-in/dotnet-runtime:{runtimes[^1]}-{dotnetRecipe}");
        if (docker.HasImage(bases.Debian) && docker.HasImage(bases.Sdk) && docker.HasImage(bases.Runtime)) return bases;

        var rootfs = RootFilesystem(rootfsRecipe);
        var dotnetLink = Path.Combine(Directory.CreateDirectory(Path.Combine(workDir, "stand-in", "usr", "bin")).FullName, "dotnet");
        if (!File.Exists(dotnetLink)) File.CreateSymbolicLink(dotnetLink, "/usr/share/dotnet/dotnet");
        var linkRoot = Path.Combine(workDir, "stand-in");
        // One tar stream: the root filesystem, /usr/bin/dotnet, and the installation renamed to /usr/share/dotnet
        // wherever it lives here (the rename touches only its own entries, never a link's target).
        var parent = Path.GetDirectoryName(dotnet)!;
        var name = Path.GetFileName(dotnet);
        var withDotnet = $"tar -c -C '{rootfs}' . -C '{linkRoot}' ./usr/bin/dotnet -C '{parent}' --transform 's,^{name},usr/share/dotnet,S'";
        Import($"tar -c -C '{rootfs}' .", """CMD ["bash"]""", bases.Debian);
        Import($"{withDotnet} '{name}'", DotnetEnvironment, bases.Sdk);
        Import($"{withDotnet} {string.Join(' ', SdkOnly.Select(d => $"--exclude='{name}/{d}'"))} '{name}'", DotnetEnvironment, bases.Runtime);
        return bases;
    }

    /// <summary>Every variable that names a base for the Dockerfiles and docker-compose.yml.</summary>
    public IReadOnlyDictionary<string, string> BuildArguments => new Dictionary<string, string>
    {
        ["SDK_IMAGE"] = Sdk,
        ["RUNTIME_IMAGE"] = Runtime,
        ["NODE_BASE_IMAGE"] = Debian,
    };

    private static void Import(string tar, string change, string tag)
    {
        var import = Shell.Run("bash", ["-c", $"set -o pipefail; {tar} | docker import -c '{change}' - '{tag}'"], TimeSpan.FromMinutes(10));
        if (import.ExitCode != 0) throw new InvalidOperationException($"importing {tag} failed ({import.ExitCode}): {import.Output}");
    }

    /// <summary>A minimal Debian 12 made by debootstrap, kept in the cache directory for the next run.</summary>
    private static string RootFilesystem(string recipe)
    {
        var rootfs = Path.Combine(Directory.CreateDirectory(CacheDir).FullName, $"{Suite}-{recipe}");
        if (Directory.Exists(rootfs)) return rootfs;
        // Made beside its final place and renamed once complete: a run stopped halfway leaves nothing that looks done.
        var partial = rootfs + ".partial";
        Shell.Require("rm", ["-rf", "--one-file-system", partial]);
        var debootstrap = Shell.Run("debootstrap", ["--variant=minbase", $"--include={string.Join(',', Packages)}", Suite, partial], TimeSpan.FromMinutes(20));
        if (debootstrap.ExitCode != 0) throw new InvalidOperationException($"debootstrap failed ({debootstrap.ExitCode}): {debootstrap.Output}");
        foreach (var deb in Directory.EnumerateFiles(Path.Combine(partial, "var", "cache", "apt", "archives"), "*.deb")) File.Delete(deb);
        Directory.Move(partial, rootfs);
        return rootfs;
    }

    /// <summary>The directory of this machine's .NET installation, as the SDK that builds the tests reports it.</summary>
    private static string DotnetRoot()
    {
        var sdks = Shell.Run("dotnet", ["--list-sdks"]);
        var line = sdks.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
                   ?? throw new InvalidOperationException($"dotnet --list-sdks names no SDK: {sdks.Output}");
        return Path.GetDirectoryName(line[(line.IndexOf('[') + 1)..line.IndexOf(']')])!;
    }

    /// <summary>The versions installed in a directory of the .NET installation, oldest first (10.0.401 after 9.0.300).</summary>
    private static IReadOnlyList<string> Versions(string dir) =>
        Directory.GetDirectories(dir).Select(d => Path.GetFileName(d))
            .OrderBy(v => Version.TryParse(v.Split('-')[0], out var number) ? number : new Version()).ThenBy(v => v, StringComparer.Ordinal).ToList();

    private static string Hash(string recipe) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipe)))[..12];
}
