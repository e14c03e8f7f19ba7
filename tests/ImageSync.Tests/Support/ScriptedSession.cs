using System.Collections.Concurrent;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Support;

/// <summary>
/// A node session whose pulls end when the test says so (or at once, by default), recording how many ran
/// at the same time on this node and, through the shared <see cref="PullRecorder"/>, on all nodes.
/// </summary>
public sealed class ScriptedSession(NodeName node, PullRecorder? fleet = null) : INodeSession
{
    private readonly PullRecorder _mine = new();
    private readonly PullRecorder _fleet = fleet ?? new PullRecorder();
    private readonly ConcurrentDictionary<ImageRef, TaskCompletionSource<PullExit>> _held = new();

    public NodeName Node => node;

    /// <summary>
    /// Runs what these specs script: the check, the disk, the images and the pulls. Pins and copies go through the
    /// simulated fleet in the specs, so a scripted node refuses them and any command added later.
    /// </summary>
    public Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken) => (Task<TAnswer>)(command switch
    {
        NodeCommand.Check => (object)CheckAsync(),
        NodeCommand.ReadImageFs => ReadImageFsAsync(),
        NodeCommand.ListImages => ListImagesAsync(),
        NodeCommand.Pull pull => PullAsync(pull.Image, cancellationToken),
        _ => throw new NotSupportedException($"scripted nodes do not run {command.GetType().Name}"),
    });

    /// <summary>Decides how a pull ends; null holds it until <see cref="Release"/>. Runs on the caller's thread.</summary>
    public Func<ImageRef, PullExit?> Script { get; set; } = _ => new PullExit(0, "");

    /// <summary>Pulls of these images throw from the caller's own call, as a bug in the caller's path would.</summary>
    public Func<ImageRef, bool> CrashesOn { get; set; } = _ => false;

    /// <summary>Pulls of these images report success without the image appearing, as a lying runtime would.</summary>
    public Func<ImageRef, bool> Phantom { get; set; } = _ => false;

    /// <summary>Held pulls go on after cancellation, as a channel to a frozen node does.</summary>
    public bool IgnoresCancellation { get; set; }

    public int MaxInFlight => _mine.Max;

    public ConcurrentQueue<ImageRef> Started { get; } = new();

    public ConcurrentQueue<ImageRef> Cancelled { get; } = new();

    /// <summary>What the node tells of itself with <c>echo ok</c>: linux/amd64 with no image filesystem, unless a spec says otherwise.</summary>
    public NodeFacts Facts { get; set; } = new(new Platform("linux", "amd64"), null, []);

    /// <summary>The connection died (sshd restarted, the link cut): every read fails as SSH.NET's would.</summary>
    public bool ConnectionLost { get; set; }

    /// <summary>Its connection was closed (disposed), not kept.</summary>
    public bool Closed { get; private set; }

    private Task<NodeFacts> CheckAsync() =>
        ConnectionLost ? Task.FromException<NodeFacts>(Lost("echo ok")) : Task.FromResult(Facts);

    private NodeException Lost(string command) => new(node, $"{PullFailure.ConnectionLost} while running `{command}`: Client not connected.");

    private Task<ImageFilesystem> ReadImageFsAsync() =>
        Facts.ImageFs is { } imageFs ? Task.FromResult(imageFs) : Task.FromException<ImageFilesystem>(new NodeException(node, "df failed"));

    /// <summary>What the node holds; a successful pull adds to it.</summary>
    public List<ImageRef> Inventory { get; init; } = [];

    private Task<NodeInventory> ListImagesAsync()
    {
        if (ConnectionLost) return Task.FromException<NodeInventory>(Lost("crictl images -o json"));
        lock (Inventory)
            return Task.FromResult(new NodeInventory(node, Inventory.Select(i => new NodeImage(i.ToString(), [i], [], 1)).ToList(), []));
    }

    private Task<PullExit> PullAsync(ImageRef image, CancellationToken cancellationToken)
    {
        if (CrashesOn(image)) throw new InvalidOperationException("bug");
        Started.Enqueue(image);
        _fleet.Started.Enqueue($"{node} {image}");
        return RunPullAsync(image, cancellationToken);
    }

    private async Task<PullExit> RunPullAsync(ImageRef image, CancellationToken cancellationToken)
    {
        using var _ = _mine.Enter();
        using var __ = _fleet.Enter();
        var exit = Script(image);
        if (exit is not null)
        {
            await Task.Yield();
            return Record(image, exit);
        }
        var held = _held.GetOrAdd(image, _ => new TaskCompletionSource<PullExit>(TaskCreationOptions.RunContinuationsAsynchronously));
        await using var registration = cancellationToken.Register(() =>
        {
            Cancelled.Enqueue(image);
            if (!IgnoresCancellation) held.TrySetCanceled(cancellationToken);
        });
        return Record(image, await held.Task);
    }

    private PullExit Record(ImageRef image, PullExit exit)
    {
        if (exit.ExitCode == 0 && !Phantom(image))
            lock (Inventory) Inventory.Add(image);
        return exit;
    }

    public bool IsReleased(ImageRef image) => _held.TryGetValue(image, out var held) && held.Task.IsCompleted;

    /// <summary>Ends a held pull with the given exit.</summary>
    public void Release(ImageRef image, PullExit exit) =>
        _held.GetOrAdd(image, _ => new TaskCompletionSource<PullExit>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(exit);

    public ValueTask DisposeAsync()
    {
        Closed = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>Counts pulls that run at once, remembers the most, and the order they started in.</summary>
public sealed class PullRecorder
{
    public ConcurrentQueue<string> Started { get; } = new();

    private int _now;
    private int _max;

    public int Max => Volatile.Read(ref _max);

    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _now);
        int seen;
        while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
        {
        }
        return new Exit(this);
    }

    private sealed class Exit(PullRecorder owner) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref owner._now);
    }
}
