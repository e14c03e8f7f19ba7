using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>Reads <c>image-sync.images.wanted</c>: each entry shaped as <c>image-sync-shapes.wanted-image</c> in the reference config.</summary>
internal static class WantedImageList
{
    private const string Key = "image-sync.images.wanted";
    private const string Example = "{ ref = \"registry.example.com/team/api:2.0\", nodes = all }";

    /// <param name="listed">The nodes the config lists: names must be among them unless Kubernetes lists more.</param>
    /// <param name="discovered">Nodes come from a Kubernetes API too: names are known only at a sync, and labels can be selected.</param>
    /// <param name="pinByDefault">An entry without <c>pin</c> takes <c>images.pin-wanted</c>.</param>
    public static IReadOnlyList<WantedImage> Read(ConfigReader reader, IReadOnlyList<NodeSpec> listed, bool discovered, bool pinByDefault)
    {
        var items = reader.ListOf(Key, reader.Node(Key));
        var wanted = new List<WantedImage>();
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{Key}[{i}]";
            if (items[i] is not HoconObject item)
            {
                reader.Problem(at, items[i], $"expected {Example}, found {items[i].Kind}");
                continue;
            }
            reader.RejectUnknownKeys(at, item, reader.ShapeKeys("wanted-image"));
            var image = Reference(reader, at, item);
            var nodes = item["nodes"] is null ? NodeSelection.All : Selection(reader, $"{at}.nodes", item["nodes"]!, listed, discovered);
            var pin = item["pin"] is { } value ? reader.SwitchOf($"{at}.pin", value) : pinByDefault;
            if (image is null || nodes is null) continue;
            if (wanted.Any(w => w.Image.Equals(image))) reader.Problem($"{at}.ref", item["ref"], $"'{image}' is already wanted by an earlier entry: give it one entry");
            else wanted.Add(new WantedImage(image, nodes, pin));
        }
        return wanted;
    }

    private static ImageRef? Reference(ConfigReader reader, string at, HoconObject item)
    {
        if (item["ref"] is null)
        {
            reader.Problem($"{at}.ref", item, $"is required: the image to pull, e.g. {Example}");
            return null;
        }
        var text = reader.StringOf($"{at}.ref", item["ref"]);
        if (text is null) return null;
        if (ImageRef.TryParse(text, out var image, out var error)) return image;
        reader.Problem($"{at}.ref", item["ref"], $"'{text}' is not an image reference: {error}");
        return null;
    }

    /// <summary><c>all</c>, a list of node names, or a label selector string.</summary>
    private static NodeSelection? Selection(ConfigReader reader, string key, HoconNode node, IReadOnlyList<NodeSpec> listed, bool discovered)
    {
        if (node is HoconList list) return Names(reader, key, list, listed, discovered);
        if (node is HoconObject)
        {
            reader.Problem(key, node, "expected all, a list of node names or a label selector string, found an object (write a selector as nodes = \"pool=gpu\")");
            return null;
        }
        var text = reader.StringOf(key, node);
        if (text is null) return null;
        if (text == "all") return NodeSelection.All;
        if (!LabelSelector.TryParse(text, out var selector, out var error))
        {
            reader.Problem(key, node, $"'{text}' is neither all, a list of node names nor a label selector: {error}");
            return null;
        }
        if (discovered) return NodeSelection.Labelled(selector);
        reader.Problem(key, node, $"'{text}' is a label selector, but only nodes a Kubernetes API lists carry labels (nodes-from.kubernetes is off): "
            + "name the nodes instead, e.g. nodes = [worker-1, worker-2]");
        return null;
    }

    private static NodeSelection? Names(ConfigReader reader, string key, HoconList list, IReadOnlyList<NodeSpec> listed, bool discovered)
    {
        if (list.Items.Count == 0)
        {
            reader.Problem(key, list, "list at least one node name, or write nodes = all");
            return null;
        }
        var names = new List<NodeName>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var text = reader.StringOf($"{key}[{i}]", list.Items[i]);
            if (text is null) continue;
            if (!NodeName.TryParse(text, out var name, out var error)) reader.Problem($"{key}[{i}]", list.Items[i], $"'{text}': {error}");
            else if (!discovered && listed.All(n => n.Name != name))
            {
                var suggestion = Spelling.Suggest(text, listed.Select(n => n.Name.Value));
                reader.Problem($"{key}[{i}]", list.Items[i], $"'{text}' is not a node of image-sync.nodes"
                    + (suggestion is null ? $" (listed: {Capped.Join(listed.Select(n => n.Name).ToList(), Capped.InLine)})" : $", did you mean '{suggestion}'?"));
            }
            else names.Add(name);
        }
        return names.Count == list.Items.Count ? NodeSelection.Named(names) : null;
    }
}
