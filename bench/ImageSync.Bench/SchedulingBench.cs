using System.Collections.Concurrent;
using System.Diagnostics;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 1, scheduling efficiency: 20 simulated nodes, each missing 100 of 400 images, pull durations
/// drawn from a skewed distribution (lognormal, median 50 ms, 1% of pulls 2 s), max-parallel 16,
/// max-per-node 2. Prints makespan / lower bound, where the lower bound is max(longest pull, largest node's
/// work / per-node cap, all work / max-parallel): no schedule can beat it. Image sizes follow pull times
/// (a pull moves its image's bytes), which is what the dispatcher's biggest-first order relies on.
/// </summary>
internal static class SchedulingBench
{
    private const int NodeCount = 20;
    private const int Images = 400;
    private const int MissingPerNode = 100;
    private const int MaxParallel = 16;
    private const int MaxPerNode = 2;

    /// <param name="sizesFollowTimes">Image sizes grow with pull times (the realistic case); otherwise all sizes are equal and tell the dispatcher nothing.</param>
    public static async Task RunAsync(int repetitions, bool sizesFollowTimes)
    {
        var sizes = sizesFollowTimes ? "sizes follow pull times" : "all sizes equal";
        Console.WriteLine($"scheduling: {NodeCount} nodes x {MissingPerNode} missing of {Images} images, max-parallel {MaxParallel}, max-per-node {MaxPerNode}, {sizes}");
        var ratios = new List<double>();
        for (var run = 1; run <= repetitions; run++)
        {
            var fleet = new TimedFleet(seed: run, sizesFollowTimes);
            var settings = Harness.Settings($$"""
                image-sync {
                  transport = simulated
                  nodes = [ {{string.Join(", ", fleet.Nodes.Select(n => $"{{ name = {n} }}"))}} ]
                  images.include-prefixes = ["registry.example.com/"]
                  pull { max-parallel = {{MaxParallel}}, max-per-node = {{MaxPerNode}}, timeout = 1m }
                }
                """);
            using var system = Harness.NewSystem();
            var summary = await Harness.SyncAsync(system, settings, fleet);
            if (summary.Succeeded != NodeCount * MissingPerNode) throw new InvalidOperationException($"only {summary.Succeeded} pulls succeeded");
            var makespan = fleet.Makespan;
            var bound = fleet.LowerBound(MaxParallel, MaxPerNode);
            ratios.Add(makespan.TotalSeconds / bound.TotalSeconds);
            Console.WriteLine($"  run {run}: makespan {makespan.TotalSeconds:0.000}s, lower bound {bound.TotalSeconds:0.000}s, ratio {ratios[^1]:0.000} "
                + $"(whole sync {summary.Duration.TotalSeconds:0.00}s, {fleet.PullCount} pulls, most at once {fleet.MostAtOnce})");
            await system.Terminate();
        }
        Console.WriteLine($"scheduling ({sizes}): median makespan / lower bound = {Harness.Median(ratios):0.000} (target <= 1.05)");
    }

    /// <summary>Nodes whose pulls take a fixed, pre-drawn time each; it records when pulls start and end.</summary>
    private sealed class TimedFleet : INodeTransport
    {
        private readonly Dictionary<(NodeName, ImageRef), TimeSpan> _durations = [];
        private readonly Dictionary<NodeName, List<ImageRef>> _held = [];
        private readonly Dictionary<ImageRef, long> _sizes = [];
        private readonly ConcurrentBag<(NodeName Node, long Start, long End)> _pulls = [];
        private int _running;
        private int _mostAtOnce;

        public TimedFleet(int seed, bool sizesFollowTimes)
        {
            var random = new Random(seed);
            var images = Enumerable.Range(0, Images).Select(i => ImageRef.Parse($"registry.example.com/team/app{i}:1")).ToList();
            // Each image has one pull time, the same on every node (a node pulls the same bytes), ~10 ms per MiB.
            var pullTimes = images.ToDictionary(i => i, _ => Draw(random));
            foreach (var (image, time) in pullTimes) _sizes[image] = sizesFollowTimes ? (long)(time.TotalMilliseconds / 10 * (1 << 20)) : 100 << 20;
            Nodes = Enumerable.Range(1, NodeCount).Select(i => NodeName.Parse($"node-{i:00}")).ToList();
            foreach (var node in Nodes)
            {
                var missing = images.OrderBy(_ => random.Next()).Take(MissingPerNode).ToHashSet();
                _held[node] = images.Where(i => !missing.Contains(i)).ToList();
                foreach (var image in missing) _durations[(node, image)] = pullTimes[image];
            }
        }

        public IReadOnlyList<NodeName> Nodes { get; }

        public int PullCount => _pulls.Count;

        public int MostAtOnce => _mostAtOnce;

        public TimeSpan Makespan => Stopwatch.GetElapsedTime(_pulls.Min(p => p.Start), _pulls.Max(p => p.End));

        public TimeSpan LowerBound(int maxParallel, int maxPerNode)
        {
            var longest = _durations.Values.Max();
            var busiestNode = _durations.GroupBy(d => d.Key.Item1).Max(g => g.Aggregate(TimeSpan.Zero, (sum, d) => sum + d.Value)) / maxPerNode;
            var all = _durations.Values.Aggregate(TimeSpan.Zero, (sum, d) => sum + d) / maxParallel;
            return new[] { longest, busiestNode, all }.Max();
        }

        /// <summary>Lognormal around a 50 ms median, and one pull in a hundred a slow 2 s.</summary>
        private static TimeSpan Draw(Random random)
        {
            if (random.NextDouble() < 0.01) return TimeSpan.FromSeconds(2);
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return TimeSpan.FromMilliseconds(Math.Min(2000, 50 * Math.Exp(0.8 * normal)));
        }

        public Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken) =>
            Task.FromResult<INodeSession>(new Session(this, node.Name));

        private sealed class Session(TimedFleet fleet, NodeName node) : INodeSession
        {
            public NodeName Node => node;

            // Scheduling is measured on registry pulls that all succeed, without declared images or a disk guard:
            // the fleet lists and pulls, nothing else.
            public async Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken) => (TAnswer)(command switch
            {
                NodeCommand.Check => (object)NodeFacts.Unknown,
                NodeCommand.ListImages => List(),
                NodeCommand.Pull pull => await PullAsync(pull.Image, cancellationToken),
                _ => throw new NotSupportedException($"the scheduling benchmark's fleet does not run {command.GetType().Name}"),
            });

            private NodeInventory List()
            {
                lock (fleet._held)
                {
                    var images = fleet._held[node].Select(i => new NodeImage(i.ToString(), [i], [], fleet._sizes[i])).ToList();
                    return new NodeInventory(node, images, []);
                }
            }

            private async Task<PullExit> PullAsync(ImageRef image, CancellationToken cancellationToken)
            {
                var start = Stopwatch.GetTimestamp();
                var now = Interlocked.Increment(ref fleet._running);
                InterlockedMax(ref fleet._mostAtOnce, now);
                await Task.Delay(fleet._durations[(node, image)], cancellationToken);
                Interlocked.Decrement(ref fleet._running);
                fleet._pulls.Add((node, start, Stopwatch.GetTimestamp()));
                lock (fleet._held) fleet._held[node].Add(image);
                return new PullExit(0, "");
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;

            private static void InterlockedMax(ref int target, int value)
            {
                int seen;
                while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
                {
                }
            }
        }
    }
}
