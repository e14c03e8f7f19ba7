namespace ImageSync.Domain;

/// <summary>
/// Which planned pull goes next. Each node has a queue, biggest image first; a free worker gets the next
/// pull of the node with the most work left that is below its per-node cap. With canaries, an image that
/// several nodes need is first pulled on one of them while the others' pulls of it are held back: the
/// outcome of that first pull decides whether they go ahead. Pure bookkeeping for the PullDispatcher, so
/// scheduling can be tested and measured on its own.
/// </summary>
public sealed class PullQueue
{
    private readonly int _maxPerNode;
    private readonly Dictionary<NodeName, SortedSet<Entry>> _queued = [];
    private readonly Dictionary<NodeName, int> _inFlight = [];
    private readonly Dictionary<ImageRef, List<PlannedPull>> _held = [];
    private readonly Dictionary<ImageRef, PlannedPull> _canaries = [];

    public PullQueue(IEnumerable<PlannedPull> pulls, int maxPerNode, bool canaries)
    {
        _maxPerNode = maxPerNode;
        var all = pulls.ToList();
        foreach (var node in all.Select(p => p.Node).Distinct()) _queued[node] = new SortedSet<Entry>(EntryOrder.Instance);
        if (canaries) ChooseCanaries(all);
        foreach (var pull in all)
        {
            if (_canaries.TryGetValue(pull.Image, out var canary) && canary != pull) _held[pull.Image].Add(pull);
            else Enqueue(pull, first: canary == pull);
        }
    }

    /// <summary>Pulls waiting in a queue or held behind a canary.</summary>
    public int Waiting => _queued.Values.Sum(q => q.Count) + _held.Values.Sum(h => h.Count);

    public int InFlightOn(NodeName node) => _inFlight.GetValueOrDefault(node);

    public bool IsCanary(PlannedPull pull) => _canaries.TryGetValue(pull.Image, out var canary) && canary == pull;

    /// <summary>Nothing of this node is queued, held or in flight.</summary>
    public bool IsIdle(NodeName node) =>
        InFlightOn(node) == 0 && !(_queued.TryGetValue(node, out var queue) && queue.Count > 0) && !_held.Values.Any(h => h.Any(p => p.Node == node));

    /// <summary>Takes the next pull for a free worker, or returns false when every node with work is at its cap.</summary>
    public bool TryTake(out PlannedPull pull)
    {
        SortedSet<Entry>? best = null;
        var bestNode = default(NodeName);
        foreach (var (node, queue) in _queued)
        {
            if (queue.Count == 0 || InFlightOn(node) >= _maxPerNode) continue;
            if (best is null || queue.Count > best.Count || (queue.Count == best.Count && node.CompareTo(bestNode) < 0))
            {
                best = queue;
                bestNode = node;
            }
        }
        if (best is null)
        {
            pull = null!;
            return false;
        }
        var next = best.Min!;
        best.Remove(next);
        pull = next.Pull;
        _inFlight[pull.Node] = InFlightOn(pull.Node) + 1;
        return true;
    }

    /// <summary>Whether the node may start one more pull or copy now.</summary>
    public bool HasRoom(NodeName node) => InFlightOn(node) < _maxPerNode;

    /// <summary>A copy to the node started elsewhere (<see cref="PeerQueue"/>): it takes one of the node's slots.</summary>
    public void Occupy(NodeName node) => _inFlight[node] = InFlightOn(node) + 1;

    /// <summary>A taken pull has ended, for now or for good: its node's slot is free.</summary>
    public void Done(PlannedPull pull) => _inFlight[pull.Node] = InFlightOn(pull.Node) - 1;

    /// <summary>A pull to try again goes to the front of its node's queue.</summary>
    public void Requeue(PlannedPull pull) => Enqueue(pull, first: true);

    /// <summary>The canary of this image went well (or failed in a way that says nothing about the image): the others go ahead.</summary>
    public void ReleaseHeld(ImageRef image)
    {
        if (!_held.Remove(image, out var held)) return;
        foreach (var pull in held) Enqueue(pull, first: false);
    }

    /// <summary>The canary of this image failed for good: the held pulls will not be tried.</summary>
    public IReadOnlyList<PlannedPull> DropHeld(ImageRef image) => _held.Remove(image, out var held) ? held : [];

    /// <summary>The node stopped answering: its queued and held pulls will not be tried; pulls held behind its canaries go ahead.</summary>
    public IReadOnlyList<PlannedPull> DropNode(NodeName node)
    {
        var dropped = Drop(p => p.Node == node);
        _queued.Remove(node);
        return dropped;
    }

    /// <summary>The node's pulls not started yet, queued or held behind a canary.</summary>
    public IEnumerable<PlannedPull> Pending(NodeName node) =>
        (_queued.TryGetValue(node, out var queue) ? queue.Select(e => e.Pull) : []).Concat(_held.Values.SelectMany(h => h.Where(p => p.Node == node)));

    /// <summary>These queued or held pulls will not be tried; pulls held behind a dropped canary go ahead.</summary>
    public IReadOnlyList<PlannedPull> Drop(Func<PlannedPull, bool> which)
    {
        var dropped = new List<PlannedPull>();
        foreach (var queue in _queued.Values)
        {
            dropped.AddRange(queue.Where(e => which(e.Pull)).Select(e => e.Pull));
            queue.RemoveWhere(e => which(e.Pull));
        }
        foreach (var held in _held.Values)
        {
            dropped.AddRange(held.Where(which));
            held.RemoveAll(p => which(p));
        }
        foreach (var canary in dropped.Where(IsCanary).ToList()) ReleaseHeld(canary.Image);
        return dropped;
    }

    /// <summary>Everything not yet started, for a stop: nothing more will be taken.</summary>
    public IReadOnlyList<PlannedPull> DropAll()
    {
        var dropped = _queued.Values.SelectMany(q => q.Select(e => e.Pull)).Concat(_held.Values.SelectMany(h => h)).ToList();
        _queued.Clear();
        _held.Clear();
        return dropped;
    }

    private void Enqueue(PlannedPull pull, bool first)
    {
        if (!_queued.TryGetValue(pull.Node, out var queue)) _queued[pull.Node] = queue = new SortedSet<Entry>(EntryOrder.Instance);
        queue.Add(new Entry(first ? 0 : 1, pull));
    }

    /// <summary>
    /// One canary per image that several nodes need, spread so that no node carries many more canaries than
    /// another; canaries go to the front of their queues so their verdicts come early.
    /// </summary>
    private void ChooseCanaries(List<PlannedPull> all)
    {
        var load = all.Select(p => p.Node).Distinct().ToDictionary(n => n, _ => 0);
        foreach (var group in all.GroupBy(p => p.Image).Where(g => g.Count() > 1).OrderByDescending(g => g.First().SizeBytes).ThenBy(g => g.Key))
        {
            var canary = group.OrderBy(p => load[p.Node]).ThenBy(p => p.Node).First();
            load[canary.Node]++;
            _canaries[group.Key] = canary;
            _held[group.Key] = [];
        }
    }

    private sealed record Entry(int Priority, PlannedPull Pull);

    /// <summary>Front entries first, then the biggest image, then by name so the order never depends on chance.</summary>
    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var byPriority = x!.Priority.CompareTo(y!.Priority);
            if (byPriority != 0) return byPriority;
            var bySize = y.Pull.SizeBytes.CompareTo(x.Pull.SizeBytes);
            return bySize != 0 ? bySize : x.Pull.Image.CompareTo(y.Pull.Image);
        }
    }
}
