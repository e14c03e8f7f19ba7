using System.Text;

namespace ImageSync.Configuration;

/// <summary>
/// A strict reader for the HOCON subset config files use: objects (braced or by dotted keys), lists,
/// quoted, triple-quoted and unquoted strings, <c>#</c> and <c>//</c> comments, <c>include "file"</c>, and
/// environment substitutions <c>${VAR}</c> / <c>${?VAR}</c> (an unset optional one leaves the key unset).
/// Anything else is an error with file, line and column: a typo must never be read as a different setting.
/// </summary>
public sealed class HoconParser
{
    private const int MaxIncludeDepth = 8;
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly string _text;
    private readonly string _file;
    private readonly Func<string, string?> _environment;
    private readonly int _includeDepth;
    private int _pos;
    private int _line = 1;
    private int _column = 1;

    private HoconParser(string text, string file, Func<string, string?> environment, int includeDepth)
    {
        _text = text;
        _file = file;
        _environment = environment;
        _includeDepth = includeDepth;
    }

    /// <param name="file">Shown in errors; includes are resolved relative to its directory.</param>
    /// <param name="environment">Looks up substitutions; the process environment when null.</param>
    public static HoconObject Parse(string text, string file, Func<string, string?>? environment = null) =>
        new HoconParser(text, file, environment ?? Environment.GetEnvironmentVariable, 0).ParseDocument();

    public static HoconObject ParseFile(string path, Func<string, string?>? environment = null) =>
        Parse(File.ReadAllText(path), path, environment);

    private SourcePosition Here => new(_file, _line, _column);

    private bool AtEnd => _pos >= _text.Length;

    private char Current => _text[_pos];

    private HoconObject ParseDocument()
    {
        SkipBlank();
        HoconObject root;
        if (!AtEnd && Current == '{')
        {
            var start = Here;
            Advance();
            root = ParseObjectBody(start, closing: '}');
        }
        else
        {
            root = ParseObjectBody(Here, closing: null);
        }
        SkipBlank();
        if (!AtEnd) throw Error($"unexpected '{Current}' after the end of the document");
        return root;
    }

    private HoconObject ParseObjectBody(SourcePosition start, char? closing)
    {
        var obj = new HoconObject(start);
        while (true)
        {
            SkipBlank();
            if (AtEnd)
            {
                if (closing is null) return obj;
                throw new HoconException(start, "this '{' is never closed");
            }
            if (Current == closing)
            {
                Advance();
                return obj;
            }
            if (Current == ',') throw Error("unexpected ','");
            ParseField(obj);
            SkipInlineSpace();
            if (!AtEnd && Current == ',') Advance();
            else if (!AtEnd && Current != '\n' && Current != closing && !AtComment())
                throw Error($"expected a new line or ',' after a value, found '{Current}'");
        }
    }

    private void ParseField(HoconObject target)
    {
        var keyPosition = Here;
        if (TryConsumeWord("include"))
        {
            ParseInclude(target, keyPosition);
            return;
        }
        var path = ParseKey();
        SkipInlineSpace();
        HoconNode? value;
        if (!AtEnd && Current == '{')
        {
            value = ParseValue();
        }
        else if (!AtEnd && (Current == '=' || Current == ':'))
        {
            Advance();
            SkipBlank();
            value = ParseValue();
        }
        else if (!AtEnd && Current == '+')
        {
            throw Error("'+=' is not supported: write the whole list");
        }
        else
        {
            throw Error($"expected '=', ':' or '{{' after the key '{string.Join('.', path)}'");
        }
        if (value is null) return; // an unset optional substitution leaves the key as it was

        for (var i = path.Count - 1; i > 0; i--)
        {
            var wrapper = new HoconObject(keyPosition);
            wrapper.Set(path[i], value);
            value = wrapper;
        }
        target.Set(path[0], value);
    }

    private void ParseInclude(HoconObject target, SourcePosition position)
    {
        SkipInlineSpace();
        if (AtEnd || Current != '"') throw Error("include needs a quoted file name: include \"other.conf\"");
        var name = ParseQuoted();
        if (_includeDepth >= MaxIncludeDepth) throw new HoconException(position, $"includes nested deeper than {MaxIncludeDepth}: is there a cycle?");
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(_file)) ?? ".", name);
        if (!File.Exists(path)) throw new HoconException(position, $"included file '{path}' does not exist");
        var included = new HoconParser(File.ReadAllText(path), path, _environment, _includeDepth + 1).ParseDocument();
        foreach (var (key, value) in included.Fields) target.Set(key, value);
    }

    private List<string> ParseKey()
    {
        var parts = new List<string>();
        while (true)
        {
            if (AtEnd) throw Error("expected a key");
            if (Current == '"')
            {
                parts.Add(ParseQuoted());
            }
            else
            {
                var start = _pos;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current is '-' or '_')) Advance();
                if (_pos == start) throw Error($"unexpected '{Current}' where a key should start");
                parts.Add(_text[start.._pos]);
            }
            if (AtEnd || Current != '.') return parts;
            Advance();
        }
    }

    /// <returns>null when the value is an unset optional substitution.</returns>
    private HoconNode? ParseValue()
    {
        if (AtEnd) throw Error("expected a value");
        return Current switch
        {
            '{' => ParseBracedObject(),
            '[' => ParseList(),
            _ => ParseScalar(),
        };
    }

    private HoconObject ParseBracedObject()
    {
        var start = Here;
        Advance();
        return ParseObjectBody(start, closing: '}');
    }

    private HoconList ParseList()
    {
        var start = Here;
        Advance();
        var items = new List<HoconNode>();
        while (true)
        {
            SkipBlank();
            if (AtEnd) throw new HoconException(start, "this '[' is never closed");
            if (Current == ']')
            {
                Advance();
                return new HoconList(items, start);
            }
            if (Current == ',') throw Error("unexpected ','");
            var item = ParseValue();
            if (item is not null) items.Add(item);
            SkipInlineSpace();
            if (!AtEnd && Current == ',') Advance();
            else if (!AtEnd && Current != '\n' && Current != ']' && !AtComment())
                throw Error($"expected ',' or ']' in a list, found '{Current}'");
        }
    }

    /// <summary>One or more pieces on one line (quoted, unquoted, substitutions), joined as HOCON concatenates them.</summary>
    private HoconScalar? ParseScalar()
    {
        var start = Here;
        var text = new StringBuilder();
        var anyPiece = false;
        var allUnsetOptional = true;
        string? variable = null;
        var pendingSpace = "";
        while (!AtEnd && !IsScalarEnd())
        {
            if (anyPiece) text.Append(pendingSpace);
            if (Current == '"')
            {
                text.Append(IsTripleQuote() ? ParseTripleQuoted() : ParseQuoted());
                allUnsetOptional = false;
            }
            else if (Current == '$')
            {
                var (name, value) = ParseSubstitution();
                if (value is not null) (allUnsetOptional, variable) = (false, name);
                text.Append(value);
            }
            else
            {
                text.Append(ParseUnquoted());
                allUnsetOptional = false;
            }
            anyPiece = true;
            var spaceStart = _pos;
            SkipInlineSpace();
            pendingSpace = _text[spaceStart.._pos];
        }
        if (!anyPiece) throw AtEnd ? Error("expected a value") : Error($"unexpected '{Current}' where a value should start");
        return allUnsetOptional ? null : new HoconScalar(text.ToString(), start) { Variable = variable };
    }

    private bool IsScalarEnd() => Current is '\n' or ',' or '}' or ']' or '{' or '[' || AtComment() || Current == '\r';

    private string ParseUnquoted()
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
        return _text[start.._pos];
    }

    private (string Name, string? Value) ParseSubstitution()
    {
        var start = Here;
        Advance();
        if (AtEnd || Current != '{') throw Error("'$' starts a substitution: write ${VAR} or ${?VAR}, or quote the value");
        Advance();
        var optional = !AtEnd && Current == '?';
        if (optional) Advance();
        var nameStart = _pos;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_')) Advance();
        var name = _text[nameStart.._pos];
        if (AtEnd || Current != '}' || name.Length == 0)
            throw new HoconException(start, "substitutions name an environment variable: ${NAME} or ${?NAME} with NAME of A-Z a-z 0-9 _");
        Advance();
        var value = _environment(name);
        if (value is null && !optional) throw new HoconException(start, $"environment variable {name} is not set (write ${{?{name}}} to make it optional)");
        return (name, value);
    }

    private bool IsTripleQuote() => string.CompareOrdinal(_text, _pos, "\"\"\"", 0, 3) == 0;

    private string ParseTripleQuoted()
    {
        var start = Here;
        for (var i = 0; i < 3; i++) Advance();
        var end = _text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (end < 0) throw new HoconException(start, "this \"\"\" string is never closed");
        var value = _text[_pos..end];
        while (_pos < end + 3) Advance();
        return value;
    }

    private string ParseQuoted()
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
                'u' => ParseUnicodeEscape(),
                _ => throw Error($"unknown escape '\\{escaped}' in a string"),
            });
        }
    }

    private char ParseUnicodeEscape()
    {
        if (_pos + 4 > _text.Length || !ushort.TryParse(_text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber, null, out var code))
            throw Error("\\u needs four hex digits");
        for (var i = 0; i < 4; i++) Advance();
        return (char)code;
    }

    private bool TryConsumeWord(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
        var after = _pos + word.Length;
        if (after >= _text.Length || !(_text[after] is ' ' or '\t' or '"')) return false;
        for (var i = 0; i < word.Length; i++) Advance();
        return true;
    }

    private bool AtComment() =>
        !AtEnd && (Current == '#' || (Current == '/' && _pos + 1 < _text.Length && _text[_pos + 1] == '/'));

    private void SkipInlineSpace()
    {
        while (!AtEnd && Current is ' ' or '\t' or '\r' or '\uFEFF') Advance();
    }

    /// <summary>Skips spaces, new lines and comments.</summary>
    private void SkipBlank()
    {
        while (!AtEnd)
        {
            if (char.IsWhiteSpace(Current) || Current == '\uFEFF') Advance();
            else if (AtComment()) while (!AtEnd && Current != '\n') Advance();
            else return;
        }
    }

    private void Advance()
    {
        if (_text[_pos] == '\n')
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

    private HoconException Error(string problem) => new(Here, problem);
}
