using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <param name="Wanted">Images pulled onto their nodes whether or not a node holds them, matching the prefixes or not.</param>
public sealed record ImageSettings(IReadOnlyList<string> IncludePrefixes, IReadOnlyList<string> Exclude, bool IncludeUntagged, InventoryLimits Limits,
    IReadOnlyList<WantedImage> Wanted)
{
    private const string Section = "image-sync.images";

    public ImageFilter Filter => new(IncludePrefixes, Exclude);

    /// <summary>Reads <c>image-sync.images</c>; what is wrong goes to the reader's problems.</summary>
    /// <param name="listed">The nodes the config lists, which <c>wanted</c> may name.</param>
    /// <param name="discovered">A Kubernetes API lists nodes too (<c>wanted</c> may select them by label).</param>
    internal static ImageSettings Create(ConfigReader reader, IReadOnlyList<NodeSpec> listed, bool discovered)
    {
        var prefixes = reader.StringList($"{Section}.include-prefixes");
        if (prefixes.Count == 0 && reader.Node($"{Section}.include-prefixes") is HoconList)
            reader.Problem($"{Section}.include-prefixes", reader.Node($"{Section}.include-prefixes"),
                "list at least one prefix, e.g. [\"registry.example.com/team/\"] ([\"\"] syncs every image)");
        var limits = new InventoryLimits(
            reader.Size($"{Section}.max-inventory-bytes", 1L << 10, 1L << 32),
            reader.Int($"{Section}.max-inventory-images", 1, 10_000_000));
        return new ImageSettings(prefixes, reader.StringList($"{Section}.exclude"), reader.Switch($"{Section}.include-untagged"), limits,
            WantedImageList.Read(reader, listed, discovered, reader.Switch($"{Section}.pin-wanted")));
    }
}

/// <summary>The most a node's <c>crictl images</c> may print and list before the node is refused.</summary>
public sealed record InventoryLimits(long MaxBytes, int MaxImages)
{
    public static readonly InventoryLimits Default = new(64L << 20, 100_000);
}
