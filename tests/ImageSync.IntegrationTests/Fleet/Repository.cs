namespace ImageSync.IntegrationTests.Fleet;

/// <summary>Paths inside the checkout the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The stand-in crictl every test node runs (the docker-compose demo nodes use it too).</summary>
    public static string Crictl => Path.Combine(Root, "tests", "fleet", "crictl");

    /// <summary>The CLI as <c>dotnet publish</c> leaves it; test.sh publishes it before the tests run.</summary>
    public static string Cli
    {
        get
        {
            var path = Path.Combine(Root, "artifacts", "bin", "image-sync");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"{path} is missing: run ./test.sh, or `dotnet publish src/ImageSync.Cli -c Release -o artifacts/bin` first");
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ImageSync.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("not inside the image-sync checkout");
    }
}
