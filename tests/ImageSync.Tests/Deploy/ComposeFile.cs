using YamlDotNet.RepresentationModel;

namespace ImageSync.Tests.Deploy;

/// <summary>docker-compose.yml as YAML, read once for the compose specs: its services, each as a map.</summary>
internal static class ComposeFile
{
    public static readonly string Root = Repository.Root;
    public static readonly YamlMappingNode Compose = Load();
    public static readonly YamlMappingNode Services = (YamlMappingNode)Compose["services"];

    private static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    public static IEnumerable<(string Name, YamlMappingNode Service)> ServiceMaps() =>
        Services.Children.Select(c => (c.Key.ToString(), (YamlMappingNode)c.Value));
}
