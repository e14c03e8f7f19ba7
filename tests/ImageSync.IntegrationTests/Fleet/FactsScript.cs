namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// What the product sends in the channel of `echo ok`, for the specs of the fleet's stand-ins to send it too: the
/// mountpoint is the first "mountpoint" of the JSON, read in the same script, so df asks about the filesystem crictl named.
/// </summary>
public static class FactsScript
{
    public static string For(string crictl) =>
        $"""echo ok; export LC_ALL=C; uname -sm; fs=$({crictl} imagefsinfo -o json); printf '%s\n' "$fs"; """ +
        """mp=$(printf '%s\n' "$fs" | sed -n 's/^ *"mountpoint": "\(.*\)"$/\1/p' | head -n 1); df -P -B1 -- "$mp" """;
}
