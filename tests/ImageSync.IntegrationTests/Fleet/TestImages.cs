using System.Security.Cryptography;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>An OCI image built for a test: its layout reference (for skopeo) and an archive of it named as an image reference.</summary>
/// <param name="Layout">skopeo's <c>oci:DIR:TAG</c>.</param>
public sealed record TestImage(string Layout, string Dir)
{
    /// <summary>An OCI archive whose image is named <paramref name="reference"/>, for `ctr images import`.</summary>
    public string Archive(string reference)
    {
        var path = Path.Combine(Dir, $"{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reference)))[..12]}.tar");
        if (!File.Exists(path)) Shell.Require("skopeo", ["copy", "-q", Layout, $"oci-archive:{path}:{reference}"]);
        return path;
    }
}

/// <summary>Builds OCI images without Docker (umoci): one layer of random bytes of the size asked for.</summary>
public static class TestImages
{
    public static TestImage Build(string root, string name, long layerBytes)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "images", name)).FullName;
        var layout = Path.Combine(dir, "oci");
        Shell.Require("umoci", ["init", "--layout", layout]);
        Shell.Require("umoci", ["new", "--image", $"{layout}:{name}"]);
        var data = Path.Combine(dir, "data");
        using (var file = File.Create(data))
        {
            var chunk = new byte[1 << 20];
            for (var left = layerBytes; left > 0; left -= chunk.Length)
            {
                RandomNumberGenerator.Fill(chunk);
                file.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
            }
        }
        Shell.Require("umoci", ["insert", "--image", $"{layout}:{name}", data, "/data"]);
        File.Delete(data);
        return new TestImage($"oci:{layout}:{name}", dir);
    }
}
