using ImageSync.Cli.Output;

namespace ImageSync.Tests.Cli;

/// <summary>What a pipe and a non-UTF-8 locale get: unpadded lines, ASCII boxes, and a live view passed on as written.</summary>
public sealed class PlainTextSpecs
{
    [Theory]
    // A pipe: each line without the spaces a table pads it with.
    [InlineData(true, false, "  node   size   \n  w1     1 MiB  \n", "  node   size\n  w1     1 MiB\n")]
    // A locale that is not UTF-8: box characters in ASCII.
    [InlineData(false, true, "╭──┬──╮\n│ a│ b│\n╰──┴──╯\n", "+--+--+\n| a| b|\n+--+--+\n")]
    // A terminal: a partial line (a live view's redraw) goes on at once.
    [InlineData(false, true, "\u001b[2K─ progress", "\u001b[2K- progress")]
    public void Should_pass_on_the_text_a_pipe_or_a_locale_can_show(bool trimLines, bool ascii, string written, string passed)
    {
        var inner = new StringWriter();
        var plain = new PlainText(inner, trimLines, ascii);

        plain.Write(written);

        Assert.Equal(passed, inner.ToString());
    }
}
