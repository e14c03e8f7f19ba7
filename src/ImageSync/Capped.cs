namespace ImageSync;

/// <summary>
/// Lists that a line or a cell shows in part, so that no log line or table cell grows with the fleet:
/// <c>w00017, w00018 +997 more</c>. The complete lists are in <c>--json</c>.
/// </summary>
public static class Capped
{
    /// <summary>How many names a log line shows before "+N more".</summary>
    public const int InLine = 5;

    /// <summary>How many names a table cell shows before "+N more".</summary>
    public const int InCell = 2;

    public static string Join<T>(IReadOnlyCollection<T> items, int shown) =>
        items.Count <= shown
            ? string.Join(", ", items)
            : $"{string.Join(", ", items.Take(shown))} +{items.Count - shown} more";
}
