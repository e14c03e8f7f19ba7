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

    private readonly HoconScanner _scan;
    private readonly string _file;
    private readonly Func<string, string?> _environment;
    private readonly int _includeDepth;

    private HoconParser(string text, string file, Func<string, string?> environment, int includeDepth)
    {
        _scan = new HoconScanner(text, file);
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

    private HoconObject ParseDocument()
    {
        _scan.SkipBlank();
        var root = !_scan.AtEnd && _scan.Current == '{' ? ParseBracedObject() : ParseObjectBody(_scan.Here, closing: null);
        _scan.SkipBlank();
        if (!_scan.AtEnd) throw Error($"unexpected '{_scan.Current}' after the end of the document");
        return root;
    }

    private HoconObject ParseObjectBody(SourcePosition start, char? closing)
    {
        var obj = new HoconObject(start);
        while (true)
        {
            _scan.SkipBlank();
            if (_scan.AtEnd)
            {
                if (closing is null) return obj;
                throw new HoconException(start, "this '{' is never closed");
            }
            if (_scan.Current == closing)
            {
                _scan.Advance();
                return obj;
            }
            if (_scan.Current == ',') throw Error("unexpected ','");
            ParseField(obj);
            _scan.SkipInlineSpace();
            if (!_scan.AtEnd && _scan.Current == ',') _scan.Advance();
            else if (!_scan.AtEnd && _scan.Current != '\n' && _scan.Current != closing && !_scan.AtComment())
                throw Error($"expected a new line or ',' after a value, found '{_scan.Current}'");
        }
    }

    private void ParseField(HoconObject target)
    {
        var keyPosition = _scan.Here;
        if (_scan.TryConsumeWord("include"))
        {
            ParseInclude(target, keyPosition);
            return;
        }
        var path = ParseKey();
        _scan.SkipInlineSpace();
        HoconNode? value;
        if (!_scan.AtEnd && _scan.Current == '{')
        {
            value = ParseValue();
        }
        else if (!_scan.AtEnd && (_scan.Current == '=' || _scan.Current == ':'))
        {
            _scan.Advance();
            _scan.SkipBlank();
            value = ParseValue();
        }
        else if (!_scan.AtEnd && _scan.Current == '+')
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
        _scan.SkipInlineSpace();
        if (_scan.AtEnd || _scan.Current != '"') throw Error("include needs a quoted file name: include \"other.conf\"");
        var name = _scan.ReadQuoted();
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
            if (_scan.AtEnd) throw Error("expected a key");
            if (_scan.Current == '"')
            {
                parts.Add(_scan.ReadQuoted());
            }
            else
            {
                var part = _scan.ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
                if (part.Length == 0) throw Error($"unexpected '{_scan.Current}' where a key should start");
                parts.Add(part);
            }
            if (_scan.AtEnd || _scan.Current != '.') return parts;
            _scan.Advance();
        }
    }

    /// <returns>null when the value is an unset optional substitution.</returns>
    private HoconNode? ParseValue()
    {
        if (_scan.AtEnd) throw Error("expected a value");
        return _scan.Current switch
        {
            '{' => ParseBracedObject(),
            '[' => ParseList(),
            _ => ParseScalar(),
        };
    }

    private HoconObject ParseBracedObject()
    {
        var start = _scan.Here;
        _scan.Advance();
        return ParseObjectBody(start, closing: '}');
    }

    private HoconList ParseList()
    {
        var start = _scan.Here;
        _scan.Advance();
        var items = new List<HoconNode>();
        while (true)
        {
            _scan.SkipBlank();
            if (_scan.AtEnd) throw new HoconException(start, "this '[' is never closed");
            if (_scan.Current == ']')
            {
                _scan.Advance();
                return new HoconList(items, start);
            }
            if (_scan.Current == ',') throw Error("unexpected ','");
            var item = ParseValue();
            if (item is not null) items.Add(item);
            _scan.SkipInlineSpace();
            if (!_scan.AtEnd && _scan.Current == ',') _scan.Advance();
            else if (!_scan.AtEnd && _scan.Current != '\n' && _scan.Current != ']' && !_scan.AtComment())
                throw Error($"expected ',' or ']' in a list, found '{_scan.Current}'");
        }
    }

    /// <summary>One or more pieces on one line (quoted, unquoted, substitutions), joined as HOCON concatenates them.</summary>
    private HoconScalar? ParseScalar()
    {
        var start = _scan.Here;
        var text = new StringBuilder();
        var anyPiece = false;
        var allUnsetOptional = true;
        string? variable = null;
        var pendingSpace = "";
        while (!_scan.AtEnd && !IsScalarEnd())
        {
            if (anyPiece) text.Append(pendingSpace);
            if (_scan.Current == '"')
            {
                text.Append(_scan.AtTripleQuote() ? _scan.ReadTripleQuoted() : _scan.ReadQuoted());
                allUnsetOptional = false;
            }
            else if (_scan.Current == '$')
            {
                var (name, value) = ParseSubstitution();
                if (value is not null) (allUnsetOptional, variable) = (false, name);
                text.Append(value);
            }
            else
            {
                text.Append(_scan.ReadUnquoted());
                allUnsetOptional = false;
            }
            anyPiece = true;
            pendingSpace = _scan.ReadWhile(c => c is ' ' or '\t' or '\r' or '\uFEFF');
        }
        if (!anyPiece) throw _scan.AtEnd ? Error("expected a value") : Error($"unexpected '{_scan.Current}' where a value should start");
        return allUnsetOptional ? null : new HoconScalar(text.ToString(), start) { Variable = variable };
    }

    private bool IsScalarEnd() => _scan.Current is '\n' or ',' or '}' or ']' or '{' or '[' || _scan.AtComment() || _scan.Current == '\r';

    private (string Name, string? Value) ParseSubstitution()
    {
        var start = _scan.Here;
        _scan.Advance();
        if (_scan.AtEnd || _scan.Current != '{') throw Error("'$' starts a substitution: write ${VAR} or ${?VAR}, or quote the value");
        _scan.Advance();
        var optional = !_scan.AtEnd && _scan.Current == '?';
        if (optional) _scan.Advance();
        var name = _scan.ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (_scan.AtEnd || _scan.Current != '}' || name.Length == 0)
            throw new HoconException(start, "substitutions name an environment variable: ${NAME} or ${?NAME} with NAME of A-Z a-z 0-9 _");
        _scan.Advance();
        var value = _environment(name);
        if (value is null && !optional) throw new HoconException(start, $"environment variable {name} is not set (write ${{?{name}}} to make it optional)");
        return (name, value);
    }

    private HoconException Error(string problem) => _scan.Error(problem);
}
