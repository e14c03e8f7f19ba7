namespace ImageSync.Domain;

/// <summary>Who set a pin image-sync knows of: image-sync (which may take it off again), or anyone else (an operator, the runtime's own config).</summary>
public enum PinOwner
{
    ImageSync,
    Operator,
}

/// <summary>What a node did when asked to pin or unpin an image (containerd's <c>io.cri-containerd.pinned</c> label).</summary>
public enum PinAnswer
{
    /// <summary>The label was set now.</summary>
    Pinned,

    /// <summary>The image carried the label already: someone else pinned it.</summary>
    AlreadyPinned,

    /// <summary>The label was taken off.</summary>
    Unpinned,

    /// <summary>There was no label to take off.</summary>
    NotPinned,

    /// <summary>The node holds no image of that name.</summary>
    Absent,
}

/// <summary>A pin or unpin to ask of a node.</summary>
public sealed record PinWork(NodeName Node, ImageRef Image, bool Pin);

/// <summary>A change to what image-sync records of a pin on a node, made or found by a sync.</summary>
/// <param name="By">Whose pin it is from now on; null: image-sync keeps no record of a pin on it any more.</param>
/// <param name="How">What happened, in an operator's words.</param>
public sealed record PinChange(NodeName Node, ImageRef Image, PinOwner? By, string How);

/// <summary>A pin as a sync leaves it: an image declared with <c>pin = on</c>, one image-sync pinned, or one the runtime lists as pinned.</summary>
/// <param name="By">Who pinned it; null when it is not pinned.</param>
/// <param name="Declared">It is declared with <c>pin = on</c> for this node.</param>
/// <param name="SizeBytes">Its size as the node lists it; 0 when the node does not hold it.</param>
public sealed record PinState(NodeName Node, ImageRef Image, PinOwner? By, bool Declared, long SizeBytes)
{
    public bool Pinned => By is not null;
}

/// <summary>
/// The bookkeeping of pins, pure: which pins and unpins a node needs so that the images declared with <c>pin = on</c>
/// that it holds are pinned, and the pins image-sync set on images no longer so declared are taken off. A pin someone
/// else set is recorded as theirs and never taken off; images outside a run's scope are left as they are.
/// </summary>
public static class PinBook
{
    /// <param name="holds">Every reference the node holds once its pulls are done.</param>
    /// <param name="runtimePinned">The references of the images the runtime lists as pinned (crictl's <c>pinned</c>).</param>
    /// <param name="records">The pins image-sync knows of on the node, and whose they are.</param>
    /// <returns>What to ask of the node, and what changes in the records without asking.</returns>
    public static (IReadOnlyList<PinWork> Work, IReadOnlyList<PinChange> Found) Reconcile(NodeName node, IReadOnlySet<ImageRef> holds,
        IReadOnlySet<ImageRef> runtimePinned, IReadOnlyDictionary<ImageRef, PinOwner> records, PlanScope scope)
    {
        var work = new List<PinWork>();
        var found = new List<PinChange>();
        foreach (var image in scope.PinnedOn(node).Where(i => scope.Allows(node, i) && holds.Contains(i) && !records.ContainsKey(i)))
        {
            if (runtimePinned.Contains(image)) found.Add(new PinChange(node, image, PinOwner.Operator, "pinned already, not by image-sync"));
            else work.Add(new PinWork(node, image, Pin: true));
        }
        foreach (var (image, owner) in records.Where(r => !scope.Pins(node, r.Key) && scope.Allows(node, r.Key)))
        {
            if (owner == PinOwner.ImageSync) work.Add(new PinWork(node, image, Pin: false));
            else found.Add(new PinChange(node, image, null, "no longer declared with pin = on; its pin is not image-sync's and stays"));
        }
        work.Sort((a, b) => a.Image.CompareTo(b.Image));
        return (work, found);
    }

    /// <summary>What a node's answer to <paramref name="work"/> changes in the records.</summary>
    public static PinChange Answered(PinWork work, PinAnswer answer) => answer switch
    {
        PinAnswer.Pinned => new PinChange(work.Node, work.Image, PinOwner.ImageSync, "pinned"),
        PinAnswer.AlreadyPinned => new PinChange(work.Node, work.Image, PinOwner.Operator, "pinned already, not by image-sync"),
        PinAnswer.Unpinned => new PinChange(work.Node, work.Image, null, "unpinned: no longer declared with pin = on"),
        PinAnswer.NotPinned => new PinChange(work.Node, work.Image, null, "no longer declared with pin = on; its pin was gone already"),
        _ => new PinChange(work.Node, work.Image, null, "not on the node"),
    };
}
