namespace ImageSync.Domain;

/// <summary>
/// At most <c>limit</c> holders at a time; everyone else waits in the order they asked. The run bounds the
/// SSH handshakes in flight with it (<c>ssh.max-connecting</c>): a node's connect-timeout starts with its
/// turn, so waiting for one never counts against the node.
/// </summary>
public sealed class Turns<T>(int limit) where T : notnull
{
    private readonly HashSet<T> _holders = [];
    private readonly List<T> _waiting = [];

    /// <summary>
    /// <paramref name="who"/> asks for a turn. A holder that asks again (it was restarted) gives its turn back
    /// first, and one already waiting keeps its place.
    /// </summary>
    /// <returns>Who gets a turn now, in order: nobody, <paramref name="who"/>, or others it made room for.</returns>
    public IReadOnlyList<T> Request(T who)
    {
        _holders.Remove(who);
        if (!_waiting.Contains(who)) _waiting.Add(who);
        return Grant();
    }

    /// <summary><paramref name="who"/> is done (or gone): its turn, or its place in the line, is free.</summary>
    /// <returns>Who gets a turn now.</returns>
    public IReadOnlyList<T> Release(T who)
    {
        if (!_holders.Remove(who)) _waiting.Remove(who);
        return Grant();
    }

    private List<T> Grant()
    {
        var granted = new List<T>();
        while (_holders.Count < limit && _waiting.Count > 0)
        {
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            _holders.Add(next);
            granted.Add(next);
        }
        return granted;
    }
}
