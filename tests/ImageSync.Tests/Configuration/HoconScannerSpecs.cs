using ImageSync.Configuration;

namespace ImageSync.Tests.Configuration;

/// <summary>The characters under the HOCON parser: positions, blanks and comments, string literals.</summary>
public sealed class HoconScannerSpecs
{
    [Fact]
    public void Should_be_on_the_next_line_after_blanks_and_comments_when_skipping_them()
    {
        var scan = new HoconScanner("  # note\n// more\n\tkey", "app.conf");

        scan.SkipBlank();

        Assert.Equal(new SourcePosition("app.conf", 3, 2), scan.Here);
        Assert.Equal("key", scan.ReadWhile(char.IsAsciiLetter));
    }

    [Fact]
    public void Should_read_a_quoted_string_with_its_escapes_when_one_starts_here()
    {
        var scan = new HoconScanner("\"a\\tb\\u0041\\\"\" rest", "app.conf");

        Assert.Equal("a\tbA\"", scan.ReadQuoted());
        Assert.Equal(' ', scan.Current);
    }

    [Fact]
    public void Should_refuse_a_reserved_character_inside_an_unquoted_value()
    {
        var scan = new HoconScanner("abc$def", "app.conf");

        var refused = Assert.Throws<HoconException>(scan.ReadUnquoted);

        Assert.Contains("'$' cannot appear in an unquoted value", refused.Message);
    }

    [Fact]
    public void Should_stop_an_unquoted_value_at_a_closing_brace()
    {
        var scan = new HoconScanner("on}", "app.conf");

        Assert.Equal("on", scan.ReadUnquoted());
        Assert.Equal('}', scan.Current);
    }
}
