using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes.Simulated;

/// <summary>One simulated worker node: its images, disk, pins and faults, and the pulls and copies running on it.</summary>
internal sealed class SimulatedNode
{
    private readonly object _gate = new();
    private readonly Dictionary<ImageRef, SimulatedImage> _images;
    private readonly Dictionary<ImageRef, int> _attempts = [];
    private readonly HashSet<ImageRef> _pinned = [];
    // Images added since the start, the earliest first: what an image GC may delete (the node's own are in use).
    private readonly List<ImageRef> _added = [];
    private readonly double _growth;
    private long _imageBytes;
    private int _inFlight;
    private int _generation;

    public SimulatedNode(NodeName name, SimulatedNodeSettings settings, double growth)
    {
        Name = name;
        Settings = settings;
        _growth = growth;
        _images = settings.Images.ToDictionary(i => i.Ref, i => i);
        _imageBytes = _images.Values.Sum(Footprint);
        PeakUsage = Usage;
    }

    public double PeakUsage { get; private set; }

    public int Collected { get; private set; }

    public double Usage
    {
        get
        {
            lock (_gate) return Settings.DiskSize == 0 ? 0 : (double)(Settings.DiskUsed + _imageBytes) / Settings.DiskSize;
        }
    }

    /// <summary>df of the image filesystem; null when the node's crictl has no imagefsinfo (no disk size set).</summary>
    public ImageFilesystem? ImageFs()
    {
        if (Settings.DiskSize == 0) return null;
        lock (_gate)
        {
            var used = Math.Min(Settings.DiskSize, Settings.DiskUsed + _imageBytes);
            return new ImageFilesystem("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", "/var/lib/containerd", Settings.DiskSize, used, Settings.DiskSize - used);
        }
    }

    public void CollectGarbage(SimulatedGc gc)
    {
        if (gc.HighThreshold <= 0 || Usage <= gc.HighThreshold) return;
        lock (_gate)
        {
            // As kubelet's GC: a pinned image is never a candidate.
            foreach (var image in _added.Where(i => !_pinned.Contains(i)).ToList())
            {
                if ((double)(Settings.DiskUsed + _imageBytes) / Settings.DiskSize <= gc.LowThreshold) break;
                RemoveLocked(image);
                Collected++;
            }
        }
    }

    public void Remove(ImageRef image)
    {
        lock (_gate) RemoveLocked(image);
    }

    /// <summary>Which machine this is: each replacement is another one, with a store of its own.</summary>
    public NodeIdentity Identity
    {
        get
        {
            lock (_gate)
            {
                var machine = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}#{_generation}")))[..32];
                return new NodeIdentity(machine, new ImageStoreIdentity("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", 1000 + _generation, "0"));
            }
        }
    }

    public void Replace()
    {
        lock (_gate)
        {
            _generation++;
            _images.Clear();
            _pinned.Clear();
            _added.Clear();
            _imageBytes = 0;
        }
    }

    private void RemoveLocked(ImageRef image)
    {
        if (_images.Remove(image, out var gone)) _imageBytes -= Footprint(gone);
        _added.Remove(image);
        _pinned.Remove(image);
    }

    private long Footprint(SimulatedImage image) => (long)(image.SizeBytes * _growth);

    public NodeName Name { get; }

    public SimulatedNodeSettings Settings { get; }

    public int MaxInFlight { get; private set; }

    /// <summary>Set once the node has become unreachable (the unreachable-after-inventory fault).</summary>
    public bool Gone { get; set; }

    public IReadOnlyCollection<ImageRef> Images
    {
        get
        {
            lock (_gate) return _images.Keys.ToList();
        }
    }

    public bool IsPinned(ImageRef image)
    {
        lock (_gate) return _pinned.Contains(image);
    }

    public PinAnswer Pin(ImageRef image, bool pin)
    {
        lock (_gate)
        {
            if (!_images.ContainsKey(image)) return PinAnswer.Absent;
            if (pin) return _pinned.Add(image) ? PinAnswer.Pinned : PinAnswer.AlreadyPinned;
            return _pinned.Remove(image) ? PinAnswer.Unpinned : PinAnswer.NotPinned;
        }
    }

    public SimulatedImage? Find(ImageRef image)
    {
        lock (_gate) return _images.GetValueOrDefault(image);
    }

    /// <summary>Adds the image unless it would not fit on the image filesystem (then nothing is kept, as containerd cleans up).</summary>
    public bool TryAdd(ImageRef image, long size, string? digest)
    {
        lock (_gate)
        {
            var added = new SimulatedImage(image, size, digest);
            var growth = Footprint(added) - (_images.TryGetValue(image, out var old) ? Footprint(old) : 0);
            if (Settings.DiskSize > 0 && Settings.DiskUsed + _imageBytes + growth > Settings.DiskSize) return false;
            _images[image] = added;
            _imageBytes += growth;
            _added.Remove(image);
            _added.Add(image);
            PeakUsage = Math.Max(PeakUsage, Settings.DiskSize == 0 ? 0 : (double)(Settings.DiskUsed + _imageBytes) / Settings.DiskSize);
            return true;
        }
    }

    /// <returns>Which attempt at this image this pull is, from 1.</returns>
    public int CountAttempt(ImageRef image)
    {
        lock (_gate) return _attempts[image] = _attempts.GetValueOrDefault(image) + 1;
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
        HashSet<ImageRef> pinned;
        lock (_gate) (images, pinned) = (_images.Values.OrderBy(i => i.Ref).ToList(), [.. _pinned]);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("images");
            foreach (var image in images)
            {
                var digest = image.ReportedDigest;
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
                // As containerd >= 1.7.3 reports an image whose name carries the pin label.
                json.WriteBoolean("pinned", pinned.Contains(image.Ref));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
