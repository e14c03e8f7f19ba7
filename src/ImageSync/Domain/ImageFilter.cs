namespace ImageSync.Domain;

/// <summary>
/// Which references take part in a sync: those starting with one of the include prefixes (plain strings,
/// compared with the normalized reference) and matching none of the exclude globs (<c>*</c> and <c>?</c>).
/// </summary>
public sealed class ImageFilter(IReadOnlyList<string> includePrefixes, IReadOnlyList<string> excludeGlobs)
{
    public IReadOnlyList<string> IncludePrefixes { get; } = includePrefixes;

    public IReadOnlyList<string> ExcludeGlobs { get; } = excludeGlobs;

    // Loops, not LINQ: a plan calls this for every tag of every node, millions of times in a large cluster.
    public bool Matches(ImageRef image)
    {
        var text = image.ToString();
        var included = false;
        foreach (var prefix in IncludePrefixes)
        {
            if (!text.StartsWith(prefix, StringComparison.Ordinal)) continue;
            included = true;
            break;
        }
        if (!included) return false;
        foreach (var glob in ExcludeGlobs)
        {
            if (Glob.IsMatch(glob, text)) return false;
        }
        return true;
    }
}

/// <summary>Shell-style wildcard matching without regular expressions, linear in practice and never backtracking without bound.</summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
