using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Bench;

/// <summary>
/// Benchmark 4, planner scale (BenchmarkDotNet, allocations reported): the plan for 1,000 nodes that each
/// hold about 1,900 of 2,000 images (every image on ~95% of the nodes, as in a cluster that mostly runs the
/// same workloads, with repo digests), and reading a crictl document of 10,000 images.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 6, iterationCount: 15)]
public class PlannerBench
{
    private const int Nodes = 1_000;
    private const int Images = 2_000;
    private readonly ImageFilter _filter = new(["registry.example.com/"], []);
    private List<NodeInventory> _inventories = null!;
    private byte[] _crictlDocument = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var images = Enumerable.Range(0, Images).Select(i =>
        {
            var tag = ImageRef.Parse($"registry.example.com/team{i % 40}/app{i}:{i % 7}.{i % 13}");
            return (Tag: tag, Digest: tag.WithDigestOnly("sha256:" + Convert.ToHexStringLower(BitConverter.GetBytes((long)i)).PadLeft(64, '0')), Size: 10_000_000L + i);
        }).ToList();
        _inventories = Enumerable.Range(0, Nodes).Select(n => new NodeInventory(
            NodeName.Parse($"worker-{n:0000}"),
            images.Where(_ => random.NextDouble() < 0.95).Select(i => new NodeImage(i.Digest.Digest!, [i.Tag], [i.Digest], i.Size)).ToList(),
            [])).ToList();
        _crictlDocument = CrictlDocument(10_000);
    }

    [Benchmark(Description = "plan 1,000 nodes x 2,000 images")]
    public int Plan() => SyncPlanner.Plan(_inventories, _filter).Pulls.Count;

    [Benchmark(Description = "read crictl JSON of 10,000 images")]
    public int ReadCrictlJson() => CrictlImagesJson.Parse(NodeName.Parse("worker-0001"), _crictlDocument).Images.Count;

    /// <summary>What crictl 1.30 prints for that many images (null fields included).</summary>
    private static byte[] CrictlDocument(int count)
    {
        var json = new StringBuilder("{\"images\":[");
        for (var i = 0; i < count; i++)
        {
            if (i > 0) json.Append(',');
            var digest = Convert.ToHexStringLower(BitConverter.GetBytes((long)i)).PadLeft(64, '0');
            json.Append($$"""{"id":"sha256:{{digest}}","repoTags":["registry.example.com/team{{i % 40}}/app{{i}}:1.{{i % 9}}"],"repoDigests":["registry.example.com/team{{i % 40}}/app{{i}}@sha256:{{digest}}"],"size":"{{29683712 + i}}","uid":null,"username":"","spec":null,"pinned":false}""");
        }
        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }
}
