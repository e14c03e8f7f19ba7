namespace ImageSync.Configuration;

/// <summary>"Did you mean": the closest of the names a key or an option could have been, for a typo.</summary>
public static class Spelling
{
    /// <returns>The nearest allowed name within a few edits, or null when none is close.</returns>
    public static string? Suggest(string typed, IEnumerable<string> allowed) =>
        allowed.Select(a => (Name: a, Distance: EditDistance(typed, a)))
            .Where(c => c.Distance <= Math.Max(2, typed.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
