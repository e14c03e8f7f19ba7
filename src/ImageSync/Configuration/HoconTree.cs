namespace ImageSync.Configuration;

/// <summary>Where a value was written, so an error can point at it.</summary>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A malformed config file: the message names the file, line and column.</summary>
public sealed class HoconException(SourcePosition position, string problem) : Exception($"{position}: {problem}")
{
    public SourcePosition Position { get; } = position;
}

public abstract class HoconNode(SourcePosition position)
{
    public SourcePosition Position { get; } = position;

    /// <summary>The kind of value, as an error message names it.</summary>
    public abstract string Kind { get; }
}

/// <summary>A string, number, boolean or duration: HOCON keeps them all as text until a reader asks for a type.</summary>
public sealed class HoconScalar(string text, SourcePosition position) : HoconNode(position)
{
    public string Text { get; } = text;

    /// <summary>The environment variable the value came from (<c>${VAR}</c>), for <c>image-sync config</c> to name.</summary>
    public string? Variable { get; init; }

    public override string Kind => "a value";
}

public sealed class HoconList(IReadOnlyList<HoconNode> items, SourcePosition position) : HoconNode(position)
{
    public IReadOnlyList<HoconNode> Items { get; } = items;

    public override string Kind => "a list";
}

public sealed class HoconObject(SourcePosition position) : HoconNode(position)
{
    private readonly Dictionary<string, HoconNode> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public override string Kind => "an object";

    public IEnumerable<KeyValuePair<string, HoconNode>> Fields => _order.Select(k => KeyValuePair.Create(k, _fields[k]));

    public IEnumerable<string> Keys => _order;

    public HoconNode? this[string key] => _fields.GetValueOrDefault(key);

    /// <summary>Sets a field with HOCON's rule: two objects merge, anything else replaces what was there.</summary>
    public void Set(string key, HoconNode value)
    {
        if (_fields.TryGetValue(key, out var existing) && existing is HoconObject older && value is HoconObject newer)
        {
            foreach (var (k, v) in newer.Fields) older.Set(k, v);
            return;
        }
        if (!_fields.ContainsKey(key)) _order.Add(key);
        _fields[key] = value;
    }

    /// <summary>The node at a dotted path such as <c>image-sync.pull.timeout</c>, or null.</summary>
    public HoconNode? Find(string path)
    {
        HoconNode? node = this;
        foreach (var part in path.Split('.'))
        {
            node = (node as HoconObject)?[part];
            if (node is null) return null;
        }
        return node;
    }

    /// <summary>A deep copy of <paramref name="fallback"/> with this object's fields laid over it.</summary>
    public HoconObject WithFallback(HoconObject fallback)
    {
        var merged = new HoconObject(Position);
        foreach (var (key, value) in fallback.Fields) merged.Set(key, Copy(value));
        foreach (var (key, value) in Fields) merged.Set(key, Copy(value));
        return merged;
    }

    private static HoconNode Copy(HoconNode node) =>
        node is HoconObject obj ? new HoconObject(obj.Position).WithFallback(obj) : node;
}
