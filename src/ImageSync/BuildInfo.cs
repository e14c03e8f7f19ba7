using System.Reflection;

namespace ImageSync;

/// <summary>The version and the commit this build came from, as <c>--version</c> and <c>image_sync_build_info</c> show them.</summary>
public sealed record BuildInfo(string Version, string Commit)
{
    public static BuildInfo Current { get; } = Parse(
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    /// <param name="informational">The SDK writes "VERSION+COMMIT" when it builds from a git checkout.</param>
    public static BuildInfo Parse(string informational)
    {
        var plus = informational.IndexOf('+');
        return plus < 0 ? new BuildInfo(informational, "unknown") : new BuildInfo(informational[..plus], informational[(plus + 1)..]);
    }
}
