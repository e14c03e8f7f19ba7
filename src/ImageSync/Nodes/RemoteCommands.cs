using System.Globalization;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// The only commands image-sync ever sends to a node, built in one place. The one argument that comes from
/// a node (an image reference) is validated by <see cref="ImageRef"/> and single-quoted on top.
/// </summary>
public sealed class RemoteCommands(bool sudo, string crictl, TimeSpan killAfter)
{
    public const string Check = "echo ok";

    private readonly string _prefix = sudo ? "sudo -n " : "";

    public string ListImages => $"{_prefix}{crictl} images -o json";

    public string Pull(ImageRef image, TimeSpan timeout) =>
        $"{_prefix}timeout --kill-after={Seconds(killAfter)} {Seconds(timeout)} {crictl} pull {Quote(image.ToString())}";

    /// <summary>POSIX shell single quoting: nothing inside is special, a quote is closed, escaped and reopened.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Seconds(TimeSpan span) => Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
