namespace ImageSync.Domain;

/// <summary>Which nodes a declared image goes to: all of them, those named, or those whose Kubernetes labels match.</summary>
public sealed class NodeSelection
{
    public static readonly NodeSelection All = new(null, null);

    private readonly IReadOnlySet<NodeName>? _names;
    private readonly LabelSelector? _selector;

    private NodeSelection(IReadOnlySet<NodeName>? names, LabelSelector? selector) => (_names, _selector) = (names, selector);

    public static NodeSelection Named(IEnumerable<NodeName> names) => new(names.ToHashSet(), null);

    public static NodeSelection Labelled(LabelSelector selector) => new(null, selector);

    public bool Includes(NodeSpec node) => _names?.Contains(node.Name) ?? _selector?.Matches(node.Labels) ?? true;

    public override string ToString() =>
        _names is not null ? $"[{string.Join(", ", _names.Order())}]" : _selector is not null ? $"\"{_selector}\"" : "all";
}

/// <summary>An image <c>images.wanted</c> declares: pulled onto its nodes whether or not any node holds it yet.</summary>
/// <param name="Pin">Pinned on its nodes once there (<c>pin = on</c>), so that kubelet's image GC leaves it alone.</param>
public sealed record WantedImage(ImageRef Image, NodeSelection Nodes, bool Pin = false);

/// <summary>What one run is limited to (<c>--node</c>, <c>--image</c>); empty lists limit nothing.</summary>
/// <param name="Nodes">Only these nodes pull; the others are read, and serve as sources.</param>
/// <param name="Images">Only these images are pulled, onto every node their declaration (or, undeclared, the fleet) includes.</param>
public sealed record RunScope(IReadOnlyList<NodeName> Nodes, IReadOnlyList<ImageRef> Images)
{
    public static readonly RunScope Everything = new([], []);

    public bool IsEverything => Nodes.Count == 0 && Images.Count == 0;

    public override string ToString() =>
        string.Join("; ", new[] { Nodes.Count > 0 ? $"only nodes {string.Join(", ", Nodes)}" : null, Images.Count > 0 ? $"only images {string.Join(", ", Images)}" : null }.OfType<string>());
}

/// <summary>The declared images and a run's limits, resolved against the nodes of one sync: what the planner adds to the union and keeps of it.</summary>
/// <param name="Wanted">Each declared image and the nodes that want it.</param>
/// <param name="OnlyNodes">When set, the nodes that may pull; the others are sources only.</param>
/// <param name="OnlyImages">When set, the images that may be pulled; the union's others are left alone.</param>
/// <param name="Pinned">The declared images to pin on the nodes that want them; none when null.</param>
public sealed record PlanScope(IReadOnlyDictionary<ImageRef, IReadOnlySet<NodeName>> Wanted, IReadOnlySet<NodeName>? OnlyNodes = null, IReadOnlySet<ImageRef>? OnlyImages = null,
    IReadOnlySet<ImageRef>? Pinned = null)
{
    public static readonly PlanScope Union = new(new Dictionary<ImageRef, IReadOnlySet<NodeName>>());

    /// <summary>
    /// Each declared image wanted on the nodes its selection includes; an image of <c>--image</c> that is not declared
    /// is wanted on every node. Pure: the same declarations, scope and nodes always give the same result.
    /// </summary>
    public static PlanScope Resolve(IReadOnlyList<WantedImage> declared, RunScope run, IReadOnlyList<NodeSpec> nodes)
    {
        var wanted = new Dictionary<ImageRef, IReadOnlySet<NodeName>>();
        var named = declared.Concat(run.Images.Where(i => declared.All(d => !d.Image.Equals(i))).Select(i => new WantedImage(i, NodeSelection.All)));
        foreach (var image in named) wanted[image.Image] = nodes.Where(image.Nodes.Includes).Select(n => n.Name).ToHashSet();
        return new PlanScope(wanted, run.Nodes.Count > 0 ? run.Nodes.ToHashSet() : null, run.Images.Count > 0 ? run.Images.ToHashSet() : null,
            declared.Where(d => d.Pin).Select(d => d.Image).ToHashSet());
    }

    /// <summary>Whether the run may pull this image onto this node at all.</summary>
    public bool Allows(NodeName node, ImageRef image) => OnlyNodes?.Contains(node) != false && OnlyImages?.Contains(image) != false;

    public bool Wants(NodeName node, ImageRef image) => Wanted.TryGetValue(image, out var nodes) && nodes.Contains(node);

    /// <summary>The image is declared with <c>pin = on</c> for this node: it is pinned there, and never held back.</summary>
    public bool Pins(NodeName node, ImageRef image) => Pinned?.Contains(image) == true && Wants(node, image);

    /// <summary>The images declared with <c>pin = on</c> for this node.</summary>
    public IEnumerable<ImageRef> PinnedOn(NodeName node) => (Pinned ?? new HashSet<ImageRef>()).Where(image => Wants(node, image)).Order();
}
