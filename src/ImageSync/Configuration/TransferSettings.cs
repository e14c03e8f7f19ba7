using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>Node-to-node copies: the source's <c>ctr images export</c> streamed through image-sync into the target's <c>ctr images import</c>.</summary>
/// <param name="MaxPerSource">Copies streaming out of one node at once.</param>
/// <param name="FanOut">A node that received an image serves copies of it too.</param>
/// <param name="BandwidthLimit">Bytes per second for one copy; 0 is no limit.</param>
/// <param name="Timeout">A copy's time limit is this plus the image's size at <paramref name="MinRate"/>.</param>
/// <param name="MinRate">The slowest a copy may run, in bytes per second, before it counts as stuck.</param>
/// <param name="Exclude">Globs of images never copied between nodes (private images whose pods must bring their own imagePullSecret).</param>
public sealed record TransferSettings(TransferMode Mode, string Ctr, string Namespace, int MaxPerSource, bool FanOut, long BandwidthLimit, TimeSpan Timeout, long MinRate,
    IReadOnlyList<string> Exclude)
{
    private const string Section = "image-sync.transfer";

    public bool Enabled => Mode != TransferMode.RegistryOnly;

    /// <summary>How long copying an image of this size may take.</summary>
    public TimeSpan TimeLimit(long sizeBytes) => Timeout + TimeSpan.FromSeconds((double)sizeBytes / MinRate);

    /// <summary>Reads <c>image-sync.transfer</c>; what is wrong goes to the reader's problems.</summary>
    internal static TransferSettings Create(ConfigReader reader)
    {
        var ctr = reader.String($"{Section}.ctr");
        if (!SshSettings.IsCommand(ctr))
            reader.Problem($"{Section}.ctr", reader.Node($"{Section}.ctr"), $"'{ctr}' is not a command name or absolute path (letters, digits, / . _ -)");
        var ns = reader.String($"{Section}.namespace");
        if (!SshSettings.IsCommand(ns) || ns.Contains('/'))
            reader.Problem($"{Section}.namespace", reader.Node($"{Section}.namespace"), $"'{ns}' is not a containerd namespace (letters, digits, . _ -)");
        return new TransferSettings(
            reader.Choice<TransferMode>($"{Section}.mode"),
            ctr,
            ns,
            reader.Int($"{Section}.max-per-source", 1, 10),
            reader.Switch($"{Section}.fan-out"),
            reader.Size($"{Section}.bandwidth-limit", 0, 1L << 40),
            reader.Duration($"{Section}.timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            reader.Size($"{Section}.min-rate", 1L << 10, 1L << 40),
            reader.StringList($"{Section}.exclude"));
    }
}
