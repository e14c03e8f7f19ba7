namespace ImageSync.Tests.Nodes;

/// <summary>The node helper's pin and unpin, run by a real sh against a stand-in ctr: the label set or taken off, and what it answers.</summary>
public sealed class NodeHelperPinSpecs : IDisposable
{
    private const string Image = "registry.example.com/team/api:1.4.2";
    private readonly NodeHelperSandbox _helper = new();

    [Theory]
    [InlineData("pin", "-", "pinned", "io.cri-containerd.pinned=pinned")]
    [InlineData("pin", "other=x,io.cri-containerd.pinned=pinned", "already", null)]
    [InlineData("unpin", "io.cri-containerd.pinned=pinned,other=x", "unpinned", "io.cri-containerd.pinned=")]
    [InlineData("unpin", "other=x", "not-pinned", null)]
    public void Should_set_or_take_off_the_pin_label_and_say_whether_it_did(string verb, string labels, string answer, string? labelled)
    {
        var labelCalls = _helper.Ctr(holds: Image, labels);

        var (exitCode, stdout, stderr) = _helper.Forced($"image-sync-node {verb} '{Image}'");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(answer, stdout.Trim());
        Assert.Equal(labelled is null ? [] : [$"-n k8s.io images label {Image} {labelled}"], File.Exists(labelCalls) ? File.ReadAllLines(labelCalls) : []);
    }

    [Fact]
    public void Should_say_absent_when_no_image_has_that_name()
    {
        _helper.Ctr(holds: "registry.example.com/team/api:1.4.2-rc", "-");

        var (exitCode, stdout, _) = _helper.Forced($"image-sync-node pin '{Image}'");

        Assert.Equal((0, "absent"), (exitCode, stdout.Trim()));
    }

    [Fact]
    public void Should_name_crio_s_own_setting_when_the_node_has_no_ctr()
    {
        File.Delete(Path.Combine(_helper.Dir, "ctr"));

        var (exitCode, _, stderr) = _helper.Forced($"image-sync-node pin '{Image}'");

        Assert.Equal(127, exitCode);
        Assert.Contains("(containerd's CLI) on this node: a CRI-O node pins images with pinned_images in crio.conf", stderr);
    }

    public void Dispose() => _helper.Dispose();
}
