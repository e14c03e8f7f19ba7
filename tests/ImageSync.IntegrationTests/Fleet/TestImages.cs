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

/// <summary>Builds OCI images without Docker (umoci): one layer, of random bytes or of a directory's files.</summary>
public static class TestImages
{
    /// <summary>One layer holding /data, <paramref name="layerBytes"/> random bytes: gzip cannot shrink it.</summary>
    public static TestImage Build(string root, string name, long layerBytes)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "images", name)).FullName;
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
        var image = Layer(dir, name, data);
        File.Delete(data);
        return image;
    }

    /// <summary>One layer holding a copy of <paramref name="source"/> (a file or a directory tree) as /data.</summary>
    public static TestImage FromDirectory(string root, string name, string source) =>
        Layer(Directory.CreateDirectory(Path.Combine(root, "images", name)).FullName, name, source);

    /// <summary>
    /// One layer of about <paramref name="layerBytes"/> of text that gzip shrinks as real images' files
    /// shrink: the machine's own Python and Perl sources and /usr/share/doc, in a fixed order, so the same
    /// size gives the same files.
    /// </summary>
    public static TestImage Compressible(string root, string name, long layerBytes)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "images", name)).FullName;
        var data = Directory.CreateDirectory(Path.Combine(dir, "data")).FullName;
        var left = layerBytes;
        foreach (var file in TextFiles().TakeWhile(_ => left > 0))
        {
            var copy = Path.Combine(data, file.FullName.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file.FullName, copy);
            left -= file.Length;
        }
        if (left > 0) throw new InvalidOperationException($"the machine has {layerBytes - left} bytes of text files, not {layerBytes}");
        var image = Layer(dir, name, data);
        Directory.Delete(data, recursive: true);
        return image;
    }

    private static IEnumerable<FileInfo> TextFiles() =>
        new[] { "/usr/lib/python3", "/usr/lib/python3.11", "/usr/share/perl", "/usr/share/perl5", "/usr/share/doc" }
            .Where(Directory.Exists)
            .SelectMany(top => Directory.EnumerateFiles(top, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).Order(StringComparer.Ordinal))
            .Where(path => Path.GetExtension(path) is ".py" or ".pm" or ".pod" or ".txt" or "" && !path.Contains("__pycache__"))
            .Select(path => new FileInfo(path))
            .Where(file => file.Length > 0);

    private static TestImage Layer(string dir, string name, string data)
    {
        var layout = Path.Combine(dir, "oci");
        Shell.Require("umoci", ["init", "--layout", layout]);
        Shell.Require("umoci", ["new", "--image", $"{layout}:{name}"]);
        Shell.Require("umoci", ["insert", "--image", $"{layout}:{name}", data, "/data"]);
        return new TestImage($"oci:{layout}:{name}", dir);
    }
}
