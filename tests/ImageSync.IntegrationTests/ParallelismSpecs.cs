using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Bounded, parallel pulls as shipped: the published CLI (no thread-pool tuning of any kind) against real
/// sshd nodes, read from the stand-in crictl's own clock.
/// </summary>
[Collection(AloneOnTheMachine.Name)]
public sealed class ParallelismSpecs : IDisposable
{
    private const int Nodes = 8;
    private const int MissingPerNode = 2;
    private readonly TestFleet _fleet = new(Nodes);

    [Fact]
    public void Should_start_max_parallel_pulls_at_once_not_in_a_trickle()
    {
        // Node k lacks the two images of group k, which every other node holds: 16 pulls of 1 s.
        var groups = Enumerable.Range(1, Nodes).Select(k => Enumerable.Range(1, MissingPerNode).Select(i => $"{TestFleet.Prefix}g{k}-app{i}:1").ToArray()).ToArray();
        _fleet.Serving([.. groups.SelectMany(g => g)]);
        for (var k = 0; k < Nodes; k++)
        {
            _fleet.Nodes[k].Holding([.. groups.Where((_, g) => g != k).SelectMany(g => g)]).PullLatency(TimeSpan.FromSeconds(1));
        }
        _fleet.Start($"pull {{ max-parallel = {Nodes * MissingPerNode}, max-per-node = {MissingPerNode} }}");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        var starts = _fleet.Nodes.SelectMany(n => n.PullStarts).Order().ToList();
        Assert.Equal(Nodes * MissingPerNode, starts.Count);
        var spread = starts[^1] - starts[0];
        Assert.True(spread < TimeSpan.FromSeconds(0.5), $"the {starts.Count} pulls started over {spread.TotalMilliseconds:0} ms, not at once");
    }

    public void Dispose() => _fleet.Dispose();
}
