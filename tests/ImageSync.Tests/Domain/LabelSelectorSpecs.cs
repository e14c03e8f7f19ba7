using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

public sealed class LabelSelectorSpecs
{
    private static readonly NodeLabels Gpu = Labels(("pool", "gpu"), ("topology.kubernetes.io/zone", "a"), ("node-role.kubernetes.io/worker", ""));

    [Theory]
    [InlineData("pool=gpu", true)]
    [InlineData("pool==gpu", true)]
    [InlineData("pool=cpu", false)]
    [InlineData("pool!=cpu", true)]
    [InlineData("pool!=gpu", false)]
    [InlineData("node-role.kubernetes.io/worker", true)]
    [InlineData("!node-role.kubernetes.io/control-plane", true)]
    [InlineData("!pool", false)]
    [InlineData("spot", false)]
    [InlineData("pool=gpu, topology.kubernetes.io/zone=a", true)]
    [InlineData("pool=gpu,topology.kubernetes.io/zone=b", false)]
    [InlineData("spot!=true", true)]
    public void Should_match_a_node_when_every_requirement_holds(string selector, bool matches)
    {
        Assert.True(LabelSelector.TryParse(selector, out var parsed, out var error), error);

        Assert.Equal(matches, parsed.Matches(Gpu));
    }

    [Theory]
    [InlineData("", "'' is not a label requirement")]
    [InlineData("pool=gpu,", "'' is not a label requirement")]
    [InlineData("pool=g pu", "'pool=g pu' is not a label requirement")]
    [InlineData("=gpu", "'=gpu' is not a label requirement")]
    [InlineData("pool in (gpu, cpu)", "set-based selectors (in, notin) are not supported")]
    [InlineData("/pool=gpu", "'/pool=gpu' is not a label requirement")]
    public void Should_refuse_a_selector_naming_what_is_wrong(string selector, string why)
    {
        Assert.False(LabelSelector.TryParse(selector, out _, out var error));

        Assert.Contains(why, error);
    }

    [Fact]
    public void Should_compare_labels_by_content_so_a_node_listed_again_is_the_same_node()
    {
        var first = new NodeSpec(NodeName.Parse("w1"), "10.0.0.1", 22, "root") { Labels = Labels(("b", "2"), ("a", "1")) };
        var again = first with { Labels = Labels(("a", "1"), ("b", "2")) };

        Assert.Equal(first, again);
        Assert.Equal(first.GetHashCode(), again.GetHashCode());
        Assert.NotEqual(first, first with { Labels = Labels(("a", "1")) });
    }

    private static NodeLabels Labels(params (string Key, string Value)[] labels) => new(labels.Select(l => KeyValuePair.Create(l.Key, l.Value)));
}
