using System.Reflection;

namespace ImageSync.Cli;

/// <summary>What <c>image-sync --version</c> prints: the version and the commit it was built from.</summary>
public static class ProductVersion
{
    public static string Text { get; } = Describe(
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    /// <param name="informational">The SDK writes "VERSION+COMMIT" when it builds from a git checkout.</param>
    public static string Describe(string informational)
    {
        var build = BuildInfo.Parse(informational);
        return $"image-sync {build.Version} (commit {build.Commit})";
    }
}
