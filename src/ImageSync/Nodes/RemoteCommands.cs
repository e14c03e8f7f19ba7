using System.Globalization;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// The only commands image-sync ever sends to a node, built in one place. The one argument that comes from
/// a node (an image reference) is validated by <see cref="ImageRef"/> and single-quoted on top.
/// </summary>
public sealed class RemoteCommands(bool sudo, string crictl, TimeSpan killAfter, TransferSettings? transfer = null)
{
    public const string Check = "echo ok";

    /// <summary>What a copy's export sends per credit: the source never runs more than a couple of these ahead of the target.</summary>
    public const int ExportChunk = 4 << 20;

    private readonly string _prefix = sudo ? "sudo -n " : "";

    public string ListImages => $"{_prefix}{crictl} images -o json";

    /// <summary>
    /// <c>echo ok</c>, then the node's facts in the same round trip: <c>uname -sm</c>, crictl's image filesystem and
    /// df of it (its mountpoint cut out of crictl's JSON with the shell's own expansions), each after a
    /// <see cref="NodeFactsOutput.Marker"/> line. Facts that fail do not fail the check: it ends with true; a CRI socket
    /// that hangs costs crictl its 10 s, not the check its command-timeout.
    /// </summary>
    public string CheckAndFacts
    {
        get
        {
            const string m = NodeFactsOutput.Marker;
            return $"echo ok; export LC_ALL=C; echo '{m} uname'; uname -sm 2>&1; f=$({_prefix}timeout 10 {crictl} imagefsinfo -o json 2>&1); "
                + $"echo \"{m} imagefsinfo $?\"; printf '%s\\n' \"$f\"; case $f in *'\"mountpoint\"'*) "
                + "p=${f#*'\"mountpoint\"'}; p=${p#*'\"'}; p=${p%%'\"'*}; "
                + $"echo '{m} df'; df -P -B1 -- \"$p\" 2>&1; echo \"{m} df-exit $?\";; esac; true";
        }
    }

    /// <summary>df of the image filesystem alone, to re-check the disk between a node's pulls.</summary>
    public static string ImageFs(string path) => $"LC_ALL=C df -P -B1 -- {Quote(path)}";

    public string Pull(ImageRef image, TimeSpan timeout) =>
        $"{_prefix}timeout --kill-after={Seconds(killAfter)} {Seconds(timeout)} {crictl} pull {Quote(image.ToString())}";

    /// <summary>
    /// The source's half of a copy. SSH.NET reads a channel as fast as the node sends, whatever its reader
    /// does, so the export is paced by credits: each line image-sync writes to the command's input (kept as
    /// fd 4, since the pipe takes fd 0) lets one more <see cref="ExportChunk"/> out, which dd copies; a short
    /// chunk (dd reports fewer bytes) is the end.
    /// </summary>
    public string Export(ImageRef image, TimeSpan timeout) =>
        $"exec 4<&0; {_prefix}timeout --kill-after={Seconds(killAfter)} {Seconds(timeout)} {Ctr} images export - {Quote(image.ToString())}"
        + " | { LC_ALL=C; while IFS= read -r _ <&4; do"
        + $" case $(dd bs={ExportChunk} count=1 iflag=fullblock 2>&1 >&3) in *\"{ExportChunk} bytes\"*) ;; *) break ;; esac; done; }} 3>&1";

    /// <summary>
    /// The target's half: names the image as a CRI pull would (the tag and <c>repo@digest</c>, so crictl lists
    /// its repo digest); only images of the copied repository are taken from the archive.
    /// </summary>
    public string Import(ImageRef image, TimeSpan timeout) =>
        $"{_prefix}timeout --kill-after={Seconds(killAfter)} {Seconds(timeout)} {Ctr} images import --base-name {Quote(image.Repository)} --digests -";

    private string Ctr => transfer is null ? "ctr" : $"{transfer.Ctr} -n {Quote(transfer.Namespace)}";

    /// <summary>POSIX shell single quoting: nothing inside is special, a quote is closed, escaped and reopened.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Seconds(TimeSpan span) => Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
