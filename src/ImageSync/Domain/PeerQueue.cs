namespace ImageSync.Domain;

/// <summary>
/// Pulls that are to be copied from another node (node-to-node transfer): which copy may start next, and from
/// where. A source is a node that holds the image under the digest every source reports, and a node that has
/// just received it is one too, so copies of one image to many nodes fan out instead of queueing on its first
/// holder (unless <c>fanOut</c> is off). No node streams more than <c>maxPerSource</c> copies at once, and a
/// copy is never tried twice from the same source.
/// </summary>
/// <param name="platformOf">A node's platform; a copy only goes between nodes of one known platform (an image exported on amd64 does not run on arm64).</param>
public sealed class PeerQueue(int maxPerSource, bool fanOut, Func<NodeName, Platform?> platformOf)
{
    private readonly List<PlannedPull> _waiting = [];
    private readonly Dictionary<ImageRef, List<NodeName>> _holders = [];
    private readonly Dictionary<NodeName, int> _outgoing = [];
    private readonly Dictionary<PlannedPull, HashSet<NodeName>> _tried = [];
    private readonly Dictionary<ImageRef, int> _copying = [];
    private readonly HashSet<NodeName> _gone = [];
    private readonly Dictionary<PlannedPull, string> _registryFailures = [];
    private readonly Dictionary<PlannedPull, string> _copyFailures = [];

    /// <summary>Whether the pull can be copied at all: its sources hold the same image (one image id).</summary>
    public static bool Copyable(PlannedPull pull) => pull.ImageId is not null && pull.Sources.Count > 0;

    /// <summary>The pull waits for a source; biggest images go first, as registry pulls do.</summary>
    /// <param name="registryFailure">Why the registry did not serve it, kept for the pull's outcome should no copy work.</param>
    public void Add(PlannedPull pull, string? registryFailure = null)
    {
        if (registryFailure is not null) _registryFailures[pull] = registryFailure;
        if (!_holders.ContainsKey(pull.Image)) _holders[pull.Image] = [.. pull.Sources];
        var at = _waiting.FindIndex(w => w.SizeBytes < pull.SizeBytes);
        _waiting.Insert(at < 0 ? _waiting.Count : at, pull);
    }

    /// <summary>Takes the next copy whose target has room and which a source can serve, from the least busy such source.</summary>
    /// <param name="occupy">Told of the target whose slot the copy takes.</param>
    public bool TryTake(Func<NodeName, bool> hasRoom, Action<NodeName> occupy, out PlannedPull pull, out NodeName? source)
    {
        foreach (var waiting in _waiting)
        {
            if (!hasRoom(waiting.Node) || SourceFor(waiting) is not { } free) continue;
            _waiting.Remove(waiting);
            occupy(waiting.Node);
            _outgoing[free] = _outgoing.GetValueOrDefault(free) + 1;
            _copying[waiting.Image] = _copying.GetValueOrDefault(waiting.Image) + 1;
            Tried(waiting).Add(free);
            (pull, source) = (waiting, free);
            return true;
        }
        (pull, source) = (null!, null);
        return false;
    }

    /// <summary>A copy ended: its source has room again; a target that received the image is a source from now on.</summary>
    public void Ended(PlannedPull pull, NodeName source, bool received)
    {
        _outgoing[source]--;
        _copying[pull.Image]--;
        if (received && fanOut) _holders[pull.Image].Add(pull.Node);
    }

    /// <summary>Whether a failed copy may be tried again: from a holder not tried yet, or one that may appear (a copy of the image under way).</summary>
    public bool MayTryAgain(PlannedPull pull) =>
        Candidates(pull).Any(n => !Tried(pull).Contains(n)) || _copying.GetValueOrDefault(pull.Image) > 0;

    public void Failed(PlannedPull pull, string reason) => _copyFailures[pull] = reason;

    /// <summary>Why a pull got its image from nowhere: the registry's reason, if it was asked, and the last copy's.</summary>
    public string WhyNot(PlannedPull pull)
    {
        var copy = _copyFailures.TryGetValue(pull, out var last) ? $"copy failed: {last}"
            : !Holders(pull).Any() ? "no node could copy it"
            : platformOf(pull.Node) is { } platform ? $"copy failed: no source with {platform}"
            : $"copy failed: the platform of {pull.Node} is not known";
        return _registryFailures.TryGetValue(pull, out var registry) ? $"{registry}; {copy}" : copy;
    }

    /// <summary>The node stopped answering, or cannot export what it lists: it serves no more copies.</summary>
    public void Gone(NodeName node) => _gone.Add(node);

    public bool Waits(NodeName target) => _waiting.Any(p => p.Node == target);

    /// <summary>The copies to this node that wait for a source.</summary>
    public IEnumerable<PlannedPull> Waiting(NodeName target) => _waiting.Where(p => p.Node == target);

    /// <summary>Copies that cannot start any more (every source tried, none under way), for the caller to settle.</summary>
    public IReadOnlyList<PlannedPull> DropStranded()
    {
        var stranded = _waiting.Where(p => !MayTryAgain(p)).ToList();
        _waiting.RemoveAll(stranded.Contains);
        return stranded;
    }

    /// <summary>The target stopped answering, or everything stops: what waited will not be copied.</summary>
    public IReadOnlyList<PlannedPull> Drop(Func<PlannedPull, bool> which)
    {
        var dropped = _waiting.Where(which).ToList();
        _waiting.RemoveAll(dropped.Contains);
        return dropped;
    }

    private NodeName? SourceFor(PlannedPull pull) =>
        Candidates(pull)
            .Where(n => !Tried(pull).Contains(n) && _outgoing.GetValueOrDefault(n) < maxPerSource)
            .OrderBy(n => _outgoing.GetValueOrDefault(n))
            .ThenBy(n => n)
            .FirstOrDefault();

    private IEnumerable<NodeName> Candidates(PlannedPull pull) => Holders(pull).Where(n => SamePlatform(n, pull.Node));

    private IEnumerable<NodeName> Holders(PlannedPull pull) =>
        _holders.GetValueOrDefault(pull.Image, []).Where(n => n != pull.Node && !_gone.Contains(n));

    private bool SamePlatform(NodeName source, NodeName target) => platformOf(target) is { } platform && platformOf(source) == platform;

    private HashSet<NodeName> Tried(PlannedPull pull) => _tried.TryGetValue(pull, out var tried) ? tried : _tried[pull] = [];
}
