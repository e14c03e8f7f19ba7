using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// An in-process fleet of worker nodes for the demo and the tests. Nodes answer in crictl's own JSON and
/// exit codes, pulls take their configured latency (on the given clock), and the fleet records how many
/// pulls ran at once, overall and per node.
/// </summary>
public sealed class SimulatedFleet
{
    private readonly Dictionary<NodeName, SimulatedNode> _nodes;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly List<(NodeName Node, ImageRef Image)> _pullsStarted = [];
    private int _inFlight;

    public SimulatedFleet(SimulatedFleetSettings settings, IEnumerable<NodeName> nodes, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        var empty = new SimulatedNodeSettings([], TimeSpan.Zero, [], []);
        _nodes = nodes.ToDictionary(n => n, n => new SimulatedNode(n, settings.Nodes.GetValueOrDefault(n, empty)));
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

    public IReadOnlyCollection<ImageRef> ImagesOn(NodeName node) => Node(node).Images;

    public int MaxConcurrentPullsOn(NodeName node) => Node(node).MaxInFlight;

    internal SimulatedNode Node(NodeName node) =>
        _nodes.TryGetValue(node, out var simulated) ? simulated : throw new NodeException(node, "no such node in the simulated fleet");

    internal async Task<PullExit> PullAsync(NodeName nodeName, ImageRef image, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var node = Node(nodeName);
        lock (_gate)
        {
            _pullsStarted.Add((nodeName, image));
            MaxConcurrentPulls = Math.Max(MaxConcurrentPulls, ++_inFlight);
        }
        node.PullStarted();
        try
        {
            if (node.Settings.Hanging.Contains(image)) await Task.Delay(Timeout.InfiniteTimeSpan, _clock, cancellationToken);
            if (node.Settings.PullLatency >= timeout)
            {
                await Task.Delay(timeout, _clock, cancellationToken);
                return new PullExit(PullExit.TimedOut, "");
            }
            await Task.Delay(node.Settings.PullLatency, _clock, cancellationToken);
            if (node.Settings.Failing.Contains(image))
            {
                return new PullExit(1, $"time=\"{_clock.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}\" level=fatal msg=\"pulling image: rpc error: code = NotFound "
                    + $"desc = failed to pull and unpack image \\\"{image}\\\": failed to resolve reference \\\"{image}\\\": {image}: not found\"");
            }
            var source = _nodes.Values.Select(n => n.Find(image)).FirstOrDefault(i => i is not null);
            node.Add(image, source?.SizeBytes ?? 0, source?.Digest);
            return new PullExit(0, "");
        }
        finally
        {
            node.PullEnded();
            lock (_gate) _inFlight--;
        }
    }

    internal sealed class SimulatedNode
    {
        private readonly object _gate = new();
        private readonly Dictionary<ImageRef, SimulatedImage> _images;
        private int _inFlight;

        public SimulatedNode(NodeName name, SimulatedNodeSettings settings)
        {
            Name = name;
            Settings = settings;
            _images = settings.Images.ToDictionary(i => i.Ref, i => i);
        }

        public NodeName Name { get; }

        public SimulatedNodeSettings Settings { get; }

        public int MaxInFlight { get; private set; }

        public IReadOnlyCollection<ImageRef> Images
        {
            get
            {
                lock (_gate) return _images.Keys.ToList();
            }
        }

        public SimulatedImage? Find(ImageRef image)
        {
            lock (_gate) return _images.GetValueOrDefault(image);
        }

        public void Add(ImageRef image, long size, string? digest)
        {
            lock (_gate) _images[image] = new SimulatedImage(image, size, digest);
        }

        public void PullStarted()
        {
            lock (_gate) MaxInFlight = Math.Max(MaxInFlight, ++_inFlight);
        }

        public void PullEnded()
        {
            lock (_gate) _inFlight--;
        }

        /// <summary>What <c>crictl images -o json</c> would print on this node (crictl ≥ 1.31 shape).</summary>
        public byte[] CrictlImagesJson()
        {
            List<SimulatedImage> images;
            lock (_gate) images = _images.Values.OrderBy(i => i.Ref).ToList();
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("images");
                foreach (var image in images)
                {
                    var digest = image.Digest ?? DigestOf(image.Ref);
                    json.WriteStartObject();
                    json.WriteString("id", digest);
                    json.WriteStartArray("repoTags");
                    json.WriteStringValue(image.Ref.ToString());
                    json.WriteEndArray();
                    json.WriteStartArray("repoDigests");
                    json.WriteStringValue($"{image.Ref.Repository}@{digest}");
                    json.WriteEndArray();
                    json.WriteString("size", image.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    json.WriteString("username", "");
                    json.WriteBoolean("pinned", false);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            return buffer.ToArray();
        }

        /// <summary>A stable stand-in digest, the same on every node for the same reference.</summary>
        private static string DigestOf(ImageRef image) =>
            "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image.ToString())));
    }
}

/// <summary>Sessions to a <see cref="SimulatedFleet"/>.</summary>
public sealed class SimulatedTransport(SimulatedFleet fleet) : INodeTransport
{
    public Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        fleet.Node(node.Name);
        return Task.FromResult<INodeSession>(new Session(fleet, node.Name));
    }

    private sealed class Session(SimulatedFleet fleet, NodeName node) : INodeSession
    {
        public NodeName Node => node;

        public Task CheckAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<NodeInventory> ListImagesAsync(CancellationToken cancellationToken) =>
            Task.FromResult(ImageSync.Nodes.CrictlImagesJson.Parse(node, fleet.Node(node).CrictlImagesJson()));

        public Task<PullExit> PullAsync(ImageRef image, TimeSpan timeout, CancellationToken cancellationToken) =>
            fleet.PullAsync(node, image, timeout, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
