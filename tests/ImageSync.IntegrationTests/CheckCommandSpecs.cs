using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>image-sync check over real sshd nodes: every step of each node checked, and the one that failed named.</summary>
public sealed class CheckCommandSpecs : IDisposable
{
    private readonly TestFleet _fleet = new(nodes: 3);

    [Fact]
    public void Should_check_every_node_and_name_the_step_that_failed()
    {
        _fleet[3].RevokeClientKey();
        _fleet.Start();

        var check = _fleet.Run("check", "--config", _fleet.ConfigFile, "--json");

        Assert.Equal(3, check.ExitCode);
        using var report = check.JsonReport();
        var nodes = report.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        Assert.All(nodes.Take(2), n => Assert.All(n.GetProperty("checks").EnumerateObject(), c => Assert.Equal("ok", c.Value.GetString())));
        var checks = nodes[2].GetProperty("checks");
        Assert.Equal(("ok", "ok", "failed", "not-reached"), (checks.GetProperty("connect").GetString(), checks.GetProperty("hostKey").GetString(),
            checks.GetProperty("authentication").GetString(), checks.GetProperty("check").GetString()));
        Assert.All(_fleet.Nodes, n => Assert.DoesNotContain(n.CrictlCalls, c => c.StartsWith("pull")));

        var table = _fleet.Run("check", "--config", _fleet.ConfigFile);
        Assert.Contains("authentication failed for user 'root'", table.Stdout);
        Assert.Contains("1 of 3 nodes failed", table.Stdout);
    }

    [Fact]
    public void Should_pass_every_check_and_exit_0_when_every_node_answers()
    {
        _fleet.Start();

        var check = _fleet.Run("check", "--config", _fleet.ConfigFile, "--json");

        Assert.True(check.ExitCode == 0, check.Output);
        using var report = check.JsonReport();
        Assert.All(report.RootElement.GetProperty("nodes").EnumerateArray(),
            n => Assert.All(n.GetProperty("checks").EnumerateObject(), c => Assert.Equal("ok", c.Value.GetString())));
        Assert.All(_fleet.Nodes, n => Assert.Equal(["images -o json"], n.ImageCalls));
    }

    [Fact]
    public void Should_name_a_changed_host_key_and_a_broken_image_list_in_the_check()
    {
        _fleet[2].InventoryMode("truncated");
        _fleet.Start();
        _fleet[3].Dispose();
        _fleet[3].ChangeHostKey();
        _fleet[3].Start();

        var check = _fleet.Run("check", "--config", _fleet.ConfigFile, "--json");

        Assert.Equal(3, check.ExitCode);
        using var report = check.JsonReport();
        var nodes = report.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!);
        Assert.Equal(("ok", "failed"), (nodes["node-2"].GetProperty("checks").GetProperty("check").GetString(), nodes["node-2"].GetProperty("checks").GetProperty("inventory").GetString()));
        Assert.Contains("malformed crictl images output", nodes["node-2"].GetProperty("reason").GetString());
        Assert.Equal(("failed", "not-reached"), (nodes["node-3"].GetProperty("checks").GetProperty("hostKey").GetString(), nodes["node-3"].GetProperty("checks").GetProperty("authentication").GetString()));
        Assert.Contains("has CHANGED", nodes["node-3"].GetProperty("reason").GetString());
        Assert.Empty(_fleet[3].CrictlCalls);
    }

    public void Dispose() => _fleet.Dispose();
}
