using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Nodes as they change between two cron runs, on real sshd nodes with the published CLI: a node another machine
/// replaced under its name, and a node from which someone removed what image-sync pulled.
/// </summary>
public sealed class NodeChangeSpecs : IDisposable
{
    private static readonly string[] Images = [$"{TestFleet.Prefix}api:1", $"{TestFleet.Prefix}web:1"];
    private readonly TestFleet _fleet = new TestFleet(2).Serving(Images);

    [Fact]
    public void Should_pull_every_image_onto_a_node_emptied_under_a_new_identity_at_the_next_run()
    {
        _fleet[1].Holding(Images);
        _fleet[2].MachineId(new string('a', 32));
        _fleet.Start();
        Assert.Equal(0, _fleet.Run().ExitCode);
        Assert.Equal(Images, _fleet[2].Images);

        _fleet[2].NewMachine(new string('b', 32));
        var second = _fleet.Run();

        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal(Images, _fleet[2].Images);
        Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-2 was replaced (machine-id changed): pull history cleared"));
    }

    public void Dispose() => _fleet.Dispose();
}
