namespace ImageSync.Configuration;

/// <summary>How the config spells a setting's value of an enum: <c>AcceptNew</c> is <c>accept-new</c>.</summary>
public static class ConfigNames
{
    public static string Of<T>(T value) where T : struct, Enum => KebabCase(value.ToString());

    private static string KebabCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
