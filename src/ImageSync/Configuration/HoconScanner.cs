using System.Text;

namespace ImageSync.Configuration;

/// <summary>
/// The characters of one HOCON file as <see cref="HoconParser"/> reads them: where it is (file, line, column, for
/// every error), blanks and comments skipped, and the string literals (quoted with their escapes, triple-quoted,
/// unquoted with the characters HOCON reserves refused) read whole. The parser decides what they mean.
/// </summary>
internal sealed class HoconScanner(string text, string file)
{
    // Characters HOCON gives a meaning: an unquoted value may not hold them.
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private int _pos;
    private int _line = 1;
    private int _column = 1;

    public SourcePosition Here => new(file, _line, _column);

    public bool AtEnd => _pos >= text.Length;

    public char Current => text[_pos];

    /// <summary>Reads the characters <paramref name="belongs"/> accepts, from here on; "" when the first does not.</summary>
    public string ReadWhile(Func<char, bool> belongs)
    {
        var start = _pos;
        while (!AtEnd && belongs(Current)) Advance();
        return text[start.._pos];
    }

    public string ReadUnquoted()
    {
        var start = _pos;
        while (!AtEnd && !char.IsWhiteSpace(Current) && !AtComment())
        {
            if (Forbidden.Contains(Current))
            {
                if (_pos == start || Current is not (',' or '}' or ']' or '{' or '['))
                    throw Error($"'{Current}' cannot appear in an unquoted value: put the value in double quotes");
                break;
            }
            Advance();
        }
        return text[start.._pos];
    }

    public bool AtTripleQuote() => string.CompareOrdinal(text, _pos, "\"\"\"", 0, 3) == 0;

    public string ReadTripleQuoted()
    {
        var start = Here;
        for (var i = 0; i < 3; i++) Advance();
        var end = text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (end < 0) throw new HoconException(start, "this \"\"\" string is never closed");
        var value = text[_pos..end];
        while (_pos < end + 3) Advance();
        return value;
    }

    public string ReadQuoted()
    {
        var start = Here;
        Advance();
        var value = new StringBuilder();
        while (true)
        {
            if (AtEnd || Current == '\n') throw new HoconException(start, "this string is never closed");
            var c = Current;
            Advance();
            if (c == '"') return value.ToString();
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }
            if (AtEnd) throw new HoconException(start, "this string is never closed");
            var escaped = Current;
            Advance();
            value.Append(escaped switch
            {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => ReadUnicodeEscape(),
                _ => throw Error($"unknown escape '\\{escaped}' in a string"),
            });
        }
    }

    private char ReadUnicodeEscape()
    {
        if (_pos + 4 > text.Length || !ushort.TryParse(text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber, null, out var code))
            throw Error("\\u needs four hex digits");
        for (var i = 0; i < 4; i++) Advance();
        return (char)code;
    }

    public bool TryConsumeWord(string word)
    {
        if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
        var after = _pos + word.Length;
        if (after >= text.Length || !(text[after] is ' ' or '\t' or '"')) return false;
        for (var i = 0; i < word.Length; i++) Advance();
        return true;
    }

    public bool AtComment() =>
        !AtEnd && (Current == '#' || (Current == '/' && _pos + 1 < text.Length && text[_pos + 1] == '/'));

    public void SkipInlineSpace()
    {
        while (!AtEnd && Current is ' ' or '\t' or '\r' or '\uFEFF') Advance();
    }

    /// <summary>Skips spaces, new lines and comments.</summary>
    public void SkipBlank()
    {
        while (!AtEnd)
        {
            if (char.IsWhiteSpace(Current) || Current == '\uFEFF') Advance();
            else if (AtComment()) while (!AtEnd && Current != '\n') Advance();
            else return;
        }
    }

    public void Advance()
    {
        if (text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }
        _pos++;
    }

    public HoconException Error(string problem) => new(Here, problem);
}
