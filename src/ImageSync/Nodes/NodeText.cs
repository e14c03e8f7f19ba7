namespace ImageSync.Nodes;

/// <summary>What a node (or an API) printed, cut to fit in a reason: one line, not too long.</summary>
internal static class NodeText
{
    public static string Shorten(string? text, int most = 120)
    {
        var line = (text ?? "").ReplaceLineEndings(" ").Trim();
        return line.Length > most ? line[..most] + "…" : line;
    }
}
