using System.Text;

namespace ImageSync.Cli.Output;

/// <summary>
/// What reaches a pipe, a file or a cron mail: lines without the spaces a table pads them with, and, where the
/// locale is not UTF-8, tables drawn in ASCII (box-drawing characters become <c>- | +</c>). Written a line at a time.
/// </summary>
internal sealed class PlainText(TextWriter inner, bool trimLines, bool ascii) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            var line = _line.ToString();
            inner.Write(trimLines ? line.TrimEnd(' ') : line);
            inner.Write('\n');
            _line.Clear();
        }
        else _line.Append(ascii ? Ascii(value) : value);
        if (!trimLines) Pass();
    }

    public override void Flush()
    {
        if (!trimLines) Pass();
        inner.Flush();
    }

    /// <summary>Without trimming there is nothing to wait for: what was written goes on at once (a live view).</summary>
    private void Pass()
    {
        inner.Write(_line.ToString());
        _line.Clear();
    }

    /// <summary>U+2500 to U+257F: horizontal strokes to '-', vertical ones to '|', corners and junctions to '+'.</summary>
    internal static char Ascii(char c) => c switch
    {
        < '\u2500' or > '\u257F' => c,
        '─' or '━' or '═' or '╌' or '╍' or '┄' or '┅' or '┈' or '┉' or '╴' or '╶' or '╸' or '╺' => '-',
        '│' or '┃' or '║' or '╎' or '╏' or '┆' or '┇' or '┊' or '┋' or '╵' or '╷' or '╹' or '╻' => '|',
        _ => '+',
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }
}
