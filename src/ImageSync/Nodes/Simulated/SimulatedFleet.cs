using ImageSync.Domain;
using ImageSync.Configuration;

namespace ImageSync.Nodes.Simulated;

/// <summary>
/// An in-process fleet of worker nodes for the demo and the tests. Nodes answer in crictl's own JSON and
/// exit codes, pulls take their configured latency on the given clock, configured faults make a node
/// misbehave the way real ones do, and the fleet records every pull and how many ran at once.
/// </summary>
public sealed class SimulatedFleet
{
    private readonly Dictionary<NodeName, SimulatedNode> _nodes;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly List<(NodeName Node, ImageRef Image)> _pullsStarted = [];
    private readonly Random _dice;
    private readonly long _transferRate;
    private readonly List<(NodeName Source, NodeName Target, ImageRef Image)> _copies = [];
    private readonly SimulatedGc _gc;
    private int _inFlight;

    public SimulatedFleet(SimulatedFleetSettings settings, IEnumerable<NodeName> nodes, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _dice = new Random(settings.Seed);
        _transferRate = settings.TransferRate;
        _gc = settings.ImageGc;
        _nodes = nodes.ToDictionary(n => n, n => new SimulatedNode(n, settings.Nodes.GetValueOrDefault(n, SimulatedNodeSettings.Empty), settings.DiskGrowth));
    }

    /// <summary>How full the node's image filesystem is now, as kubelet counts it (0 to 1).</summary>
    public double DiskUsageOf(NodeName node) => Node(node).Usage;

    /// <summary>The fullest the node's image filesystem ever was.</summary>
    public double PeakDiskUsageOf(NodeName node) => Node(node).PeakUsage;

    /// <summary>How many images the image GC deleted on the node so far.</summary>
    public int CollectedOn(NodeName node) => Node(node).Collected;

    /// <summary>Deletes an image from a node, as an operator's <c>crictl rmi</c> would.</summary>
    public void Remove(NodeName node, ImageRef image) => Node(node).Remove(image);

    /// <summary>Puts a new machine with an empty image store in the node's place, under its name (re-imaged, replaced).</summary>
    public void Replace(NodeName node) => Node(node).Replace();

    /// <summary>Pins an image on a node as an operator would (<c>ctr images label … io.cri-containerd.pinned=pinned</c>).</summary>
    public void PinByHand(NodeName node, ImageRef image) => Node(node).Pin(image, pin: true);

    /// <summary>Whether the node's image carries the pin label.</summary>
    public bool IsPinned(NodeName node, ImageRef image) => Node(node).IsPinned(image);

    /// <summary>A sync reaches the node: kubelet's image GC runs first when the disk is above its high threshold (its own schedule; here, between syncs).</summary>
    internal void Connected(SimulatedNode node) => node.CollectGarbage(_gc);

    /// <summary>What the node's <c>uname -sm</c>, crictl imagefsinfo and df tell.</summary>
    internal NodeFacts Facts(SimulatedNode node)
    {
        var platform = Platform.FromUname($"Linux {node.Settings.Machine}");
        var imageFs = node.ImageFs();
        return new NodeFacts(platform, imageFs, imageFs is null ? ["no image filesystem: crictl imagefsinfo exited with code 1: No help topic for 'imagefsinfo'"] : [],
            Identity: node.Identity);
    }

    /// <summary>The most pulls that ran at the same moment, across all nodes.</summary>
    public int MaxConcurrentPulls { get; private set; }

    /// <summary>Every pull a node was asked for, in the order they started.</summary>
    public IReadOnlyList<(NodeName Node, ImageRef Image)> PullsStarted
    {
        get
        {
            lock (_gate) return _pullsStarted.ToList();
        }
    }

    /// <summary>Every node-to-node copy that started, in order.</summary>
    public IReadOnlyList<(NodeName Source, NodeName Target, ImageRef Image)> CopiesStarted
    {
        get
        {
            lock (_gate) return _copies.ToList();
        }
    }

    public IReadOnlyCollection<ImageRef> ImagesOn(NodeName node) => Node(node).Images;

    /// <summary>The digest a node holds the image under, as its crictl would list it; null when it lacks the image.</summary>
    public string? DigestOn(NodeName node, ImageRef image) => Node(node).Find(image) is { } held ? held.ReportedDigest : null;

    public int MaxConcurrentPullsOn(NodeName node) => Node(node).MaxInFlight;

    internal TimeProvider Clock => _clock;

    internal SimulatedNode Node(NodeName node) =>
        _nodes.TryGetValue(node, out var simulated) ? simulated : throw new NodeException(node, "no such node in the simulated fleet");

    internal async Task<PullExit> PullAsync(SimulatedNode node, ImageRef image, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var faults = node.Settings.Faults;
        if (node.Gone) throw new NodeException(node.Name, $"{PullFailure.ConnectionLost} while running `crictl pull`: the node stopped answering");
        int attempt;
        lock (_gate)
        {
            _pullsStarted.Add((node.Name, image));
            MaxConcurrentPulls = Math.Max(MaxConcurrentPulls, ++_inFlight);
            attempt = node.CountAttempt(image);
        }
        node.PullStarted();
        try
        {
            if (node.Settings.Hanging.Contains(image)) await Task.Delay(Timeout.InfiniteTimeSpan, _clock, cancellationToken);
            if (faults.DropDuringPull)
            {
                await Task.Delay(node.Settings.PullLatency / 2, _clock, cancellationToken);
                throw new NodeException(node.Name, $"{PullFailure.ConnectionLost} while running `crictl pull`: connection reset by peer");
            }
            if (node.Settings.PullLatency >= timeout)
            {
                await Task.Delay(timeout, _clock, cancellationToken);
                return new PullExit(PullExit.TimedOut, "");
            }
            await Task.Delay(node.Settings.PullLatency, _clock, cancellationToken);
            if (node.Settings.Failing.Contains(image)) return CrictlFailure(image, "NotFound", $"failed to resolve reference \\\"{image}\\\": {image}: not found");
            if (attempt <= faults.PullFailsFirst || Roll() < faults.PullFailureProbability)
                return CrictlFailure(image, "Unavailable", "failed to copy: httpReadSeeker: failed open: unexpected EOF");
            var source = _nodes.Values.Select(n => n.Find(image)).FirstOrDefault(i => i is not null);
            if (!node.TryAdd(image, source?.SizeBytes ?? 0, source?.Digest)) return CrictlFailure(image, "Unknown", NoSpace(image));
            return new PullExit(0, "");
        }
        finally
        {
            node.PullEnded();
            lock (_gate) _inFlight--;
        }
    }

    /// <summary>A copy as ctr export and import would go: at the fleet's transfer rate, failing where a real node would.</summary>
    /// <param name="imageId">The image the target checks the stream against, as the quarantined import does.</param>
    internal async Task<CopyExit> CopyAsync(SimulatedNode source, SimulatedNode target, ImageRef image, string? imageId, CancellationToken cancellationToken)
    {
        lock (_gate) _copies.Add((source.Name, target.Name, image));
        if (target.Gone) throw new NodeException(target.Name, $"{PullFailure.ConnectionLost} while running `ctr images import`: the node stopped answering");
        if (source.Settings.Faults.NoCtr) return new CopyExit(0, $"export on {source.Name}: {NoCtr(source.Name)}", SourceFailed: true);
        if (target.Settings.Faults.NoCtr) return new CopyExit(0, $"import on {target.Name}: {NoCtr(target.Name)}");
        if (source.Find(image) is not { } held) return new CopyExit(0, $"export on {source.Name}: ctr: image \"{image}\": not found", SourceFailed: true);
        if (source.Settings.Faults.DiscardsLayers)
            return CopyExit.LackingContent(source.Name, image, $"ctr: failed to get reader: content digest {held.ReportedDigest}: not found", 0)!;
        var duration = TimeSpan.FromSeconds((double)held.SizeBytes / _transferRate);
        if (source.Gone || source.Settings.Faults.DropDuringPull)
        {
            await Task.Delay(duration / 2, _clock, cancellationToken);
            return new CopyExit(held.SizeBytes / 2, $"export on {source.Name}: {PullFailure.ConnectionLost}: the node stopped answering mid-stream", SourceFailed: true);
        }
        await Task.Delay(duration, _clock, cancellationToken);
        if (imageId is not null && held.ReportedDigest != imageId)
            return new CopyExit(held.SizeBytes, $"import on {target.Name}: import: the stream held another image under {image} (expected image {imageId})", SourceFailed: true);
        return target.TryAdd(image, held.SizeBytes, held.ReportedDigest)
            ? new CopyExit(held.SizeBytes, null)
            : new CopyExit(held.SizeBytes, $"import on {target.Name}: ctr: {NoSpace(image)}");
    }

    /// <summary>What containerd answers when the image filesystem is full.</summary>
    private static string NoSpace(ImageRef image) =>
        $"failed to extract layer of {image}: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs/data: no space left on device";

    /// <summary>What a node without containerd's CLI (a CRI-O node) answers.</summary>
    internal static string NoCtr(NodeName node) => $"{node} has no ctr (timeout: failed to run command 'ctr': No such file or directory)";

    private double Roll()
    {
        lock (_gate) return _dice.NextDouble();
    }

    /// <summary>What crictl prints on its last stderr line when a pull fails.</summary>
    private PullExit CrictlFailure(ImageRef image, string code, string detail) =>
        new(1, $"time=\"{_clock.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}\" level=fatal msg=\"pulling image: rpc error: code = {code} "
            + $"desc = failed to pull and unpack image \\\"{image}\\\": {detail}\"");
}
