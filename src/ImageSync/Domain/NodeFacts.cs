using System.Globalization;

namespace ImageSync.Domain;

/// <summary>A node's OS and CPU architecture as image platforms name them (<c>linux/amd64</c>), from <c>uname -sm</c>.</summary>
public sealed record Platform(string Os, string Architecture)
{
    /// <summary>Reads <c>uname -sm</c> ("Linux x86_64"); null when it is not that shape.</summary>
    public static Platform? FromUname(string unameSm)
    {
        var fields = unameSm.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length != 2 || !fields.All(IsWord)) return null;
        return new Platform(fields[0].ToLowerInvariant(), ArchitectureOf(fields[1]));
    }

    /// <summary>uname's machine names in the words of OCI image indexes (GOARCH), so two names of one CPU compare equal.</summary>
    private static string ArchitectureOf(string machine) => machine.ToLowerInvariant() switch
    {
        "x86_64" or "amd64" => "amd64",
        "aarch64" or "arm64" or "armv8l" => "arm64",
        "armv7l" or "armv6l" or "arm" => "arm",
        "i386" or "i486" or "i586" or "i686" => "386",
        "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        var other => other,
    };

    private static bool IsWord(string field) => field.Length <= 32 && field.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    public override string ToString() => $"{Os}/{Architecture}";
}

/// <summary>The filesystem that holds a node's images, as <c>df -P -B1</c> reports it for crictl's image filesystem mountpoint.</summary>
/// <param name="Path">What crictl imagefsinfo names as the mountpoint (a directory on that filesystem), to read it again.</param>
/// <param name="MountedOn">df's mount point of the filesystem, as operators know it (<c>/var/lib/containerd</c>).</param>
/// <param name="UsedBytes">df's "Used".</param>
/// <param name="AvailableBytes">df's "Available": what non-root writers may still use (root may dip into reserved blocks).</param>
public sealed record ImageFilesystem(string Path, string MountedOn, long SizeBytes, long UsedBytes, long AvailableBytes)
{
    /// <summary>Usage as kubelet's image GC computes it: the share of the size that is not available.</summary>
    public double UsageFraction => UsageAfter(0);

    /// <summary>The usage once <paramref name="growthBytes"/> more are written.</summary>
    public double UsageAfter(long growthBytes) => SizeBytes <= 0 ? 1 : (SizeBytes - AvailableBytes + growthBytes) / (double)SizeBytes;

    // Rounded first: 0.07 * 100 is 7.000000000000001, which must not show as 8 %.
    public static string Percent(double fraction) => Math.Ceiling(Math.Round(fraction * 100, 6)).ToString("0", CultureInfo.InvariantCulture) + " %";
}

/// <summary>What a node told about itself beside its images, read with <c>echo ok</c> in the same round trip.</summary>
/// <param name="Platform">null when uname did not answer as expected: no copies reach or leave the node.</param>
/// <param name="ImageFs">null when crictl imagefsinfo or df did not answer: the disk guard is off for the node.</param>
/// <param name="Missing">What could not be read and why, one line each, for the node's warning.</param>
/// <param name="Helper">What the node helper said of itself (<c>image-sync-node 2</c>) when the node was spoken to through it; null on the shell path.</param>
/// <param name="Identity">Which machine and image store the node is; null when neither could be read: a replaced node is then not noticed.</param>
public sealed record NodeFacts(Platform? Platform, ImageFilesystem? ImageFs, IReadOnlyList<string> Missing, string? Helper = null, NodeIdentity? Identity = null)
{
    public static readonly NodeFacts Unknown = new(null, null, []);

    /// <summary>
    /// What the node could not tell, where it matters: the disk guard is off for it, it takes no part in copies, or a
    /// replacement goes unnoticed; null when nothing that matters is missing.
    /// </summary>
    public string? MissingWarning(bool diskGuarded, bool copies, bool historyKept)
    {
        if (Missing.Count == 0) return null;
        var consequences = new List<string>();
        if (ImageFs is null && diskGuarded) consequences.Add("the disk guard is off for it");
        if (Platform is null && copies) consequences.Add("no copies go to or from it");
        if (Identity is null && historyKept) consequences.Add("were it replaced, what image-sync pulled onto it before would still count");
        return consequences.Count == 0 ? null : $"{string.Join("; ", Missing)}: {string.Join(", and ", consequences)}";
    }
}
