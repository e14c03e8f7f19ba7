using ImageSync.Configuration;
using ImageSync.Importing;

namespace ImageSync.Tests.Importing;

/// <summary>The smallest bash-tool config that converts, and a conversion loaded back as settings.</summary>
internal static class LegacyConfigs
{
    public const string Home = "/home/ops";

    public const string Minimal = """
        NODE1=n1
        NODE2=n2
        PREFIX="registry.example.com/"

        """;

    public static ImageSyncSettings Load(string old, out LegacyConfig.Conversion conversion)
    {
        conversion = LegacyConfig.Convert(old, "old.conf");
        Assert.True(conversion.Hocon is not null, string.Join("\n", conversion.Problems));
        return SettingsLoader.Parse(conversion.Hocon, "converted.conf", name => name == "HOME" ? Home : null);
    }
}
