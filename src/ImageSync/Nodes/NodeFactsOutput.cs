using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// Reads what <see cref="RemoteCommands.CheckAndFacts"/> prints after its "ok": sections, each opened by a
/// <see cref="Marker"/> line naming it (and the exit code of what it ran). A node whose crictl has no
/// <c>imagefsinfo</c>, or whose df fails, still answers the check; what is missing is said, never thrown.
/// </summary>
public static class NodeFactsOutput
{
    public const string Marker = "::image-sync::";

    public static NodeFacts Parse(string output)
    {
        var sections = Sections(output);
        var missing = new List<string>();
        var uname = sections.GetValueOrDefault("uname")?.Text.Trim() ?? "";
        var platform = Platform.FromUname(uname);
        if (platform is null) missing.Add($"no platform: `uname -sm` printed '{NodeText.Shorten(uname)}'");
        var helper = sections.GetValueOrDefault("helper")?.Text.Trim();
        var imageFs = ImageFsOf(sections, missing);
        return new NodeFacts(platform, imageFs, missing, string.IsNullOrEmpty(helper) ? null : NodeText.Shorten(helper), IdentityOf(sections, missing));
    }

    /// <summary>The machine-id and the image store's directory; either may be missing, and the node is still known by the other.</summary>
    private static NodeIdentity? IdentityOf(Dictionary<string, Section> sections, List<string> missing)
    {
        var machineId = sections.GetValueOrDefault("machine-id")?.Text.Split('\n')[0] is { } line ? NodeIdentity.MachineIdOf(line) : null;
        var store = sections.GetValueOrDefault("store")?.Text.Split('\n')[0] is { } stat ? ImageStoreIdentity.Parse(stat) : null;
        if (machineId is not null || store is not null) return new NodeIdentity(machineId, store);
        var said = sections.GetValueOrDefault("machine-id")?.Text.Trim();
        missing.Add($"no identity: neither its machine-id ({(said is null ? "not read" : $"'{NodeText.Shorten(said)}'")}) nor its image store could be read");
        return null;
    }

    private static ImageFilesystem? ImageFsOf(Dictionary<string, Section> sections, List<string> missing)
    {
        if (!sections.TryGetValue("imagefsinfo", out var info))
        {
            missing.Add("no image filesystem: the node did not run crictl imagefsinfo");
            return null;
        }
        if (info.ExitCode != 0)
        {
            missing.Add($"no image filesystem: crictl imagefsinfo exited with code {info.ExitCode}: {NodeText.Shorten(LastLine(info.Text))}");
            return null;
        }
        if (ImageFsInfoJson.Parse(info.Text, out var problem) is not { } imageFs)
        {
            missing.Add($"no image filesystem: {problem}");
            return null;
        }
        var df = sections.GetValueOrDefault("df");
        var dfExit = sections.GetValueOrDefault("df-exit")?.ExitCode;
        if (df is null || dfExit != 0)
        {
            missing.Add($"no image filesystem size: `df -P -B1 {imageFs.Mountpoint}` failed: {NodeText.Shorten(LastLine(df?.Text ?? ""))}");
            return null;
        }
        var filesystem = DfOutput.Parse(df.Text, imageFs.Mountpoint, out problem);
        if (filesystem is null) missing.Add($"no image filesystem size: {problem}");
        return filesystem;
    }

    private static Dictionary<string, Section> Sections(string output)
    {
        var sections = new Dictionary<string, Section>();
        string? name = null;
        int? exitCode = null;
        var text = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith(Marker + " ", StringComparison.Ordinal))
            {
                if (name is not null) text.Add(line);
                continue;
            }
            if (name is not null) sections[name] = new Section(exitCode, string.Join('\n', text));
            var fields = line[(Marker.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            name = fields.FirstOrDefault() ?? "";
            exitCode = fields.Length > 1 && int.TryParse(fields[1], out var code) ? code : null;
            text.Clear();
        }
        if (name is not null) sections[name] = new Section(exitCode, string.Join('\n', text));
        return sections;
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "nothing";

    private sealed record Section(int? ExitCode, string Text);
}
