using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>How a copy's failure on its source reads to an operator.</summary>
public sealed class CopyExitSpecs
{
    private static readonly NodeName Node5 = NodeName.Parse("node5");
    private static readonly ImageRef App = TestData.Image("app:v3");

    [Fact]
    public void Should_say_the_source_discards_unpacked_layers_when_ctr_finds_a_layer_s_content_missing()
    {
        var digest = "sha256:" + new string('a', 64);

        var exit = CopyExit.LackingContent(Node5, App, $"ctr: failed to get reader: content digest {digest}: not found", 512);

        Assert.Equal(($"node5 cannot export {App}: its containerd discards unpacked layers (discard_unpacked_layers = true), or lost them: content digest {digest} not found",
            true, true, 512L), (exit!.Error, exit.SourceFailed, exit.SourceCannotExport, exit.Bytes));
    }

    [Theory]
    [InlineData("ctr: image \"registry.example.com/team/app:v3\": not found")]
    [InlineData("ctr: content digest sha256:short: not found")]
    [InlineData("connection reset by peer")]
    public void Should_leave_any_other_export_failure_to_the_copy_s_own_words(string exportError)
    {
        Assert.Null(CopyExit.LackingContent(Node5, App, exportError, 0));
    }
}
