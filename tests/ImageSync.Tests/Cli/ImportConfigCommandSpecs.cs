using ImageSync.Cli;
using ImageSync.Cli.Commands;
using ImageSync.Configuration;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cli;

public sealed class ImportConfigCommandSpecs : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    [Fact]
    public void Should_print_only_the_config_on_stdout_and_what_was_left_out_on_stderr()
    {
        var old = Old("NODE1=a\nNODE2=b\nPREFIX=x/\nNOTIFY_EMAIL=ops@example.com\n");

        Assert.Equal(ExitCodes.Ok, ImportConfigCommand.Convert(old, _stdout, _stderr));

        Assert.Equal(["a", "b"], SettingsLoader.Parse(_stdout.ToString()).Nodes.Select(n => n.Host));
        Assert.Equal($"image-sync: {old}: line 4: NOTIFY_EMAIL is not a setting of the bash tool; not carried over\n", _stderr.ToString());
    }

    [Fact]
    public void Should_print_nothing_on_stdout_and_exit_2_when_a_line_cannot_be_converted()
    {
        var old = Old("NODE1=a\nNODE2=$(cat /etc/nodes)\nPREFIX=x/\n");

        Assert.Equal(ExitCodes.BadConfig, ImportConfigCommand.Convert(old, _stdout, _stderr));

        Assert.Empty(_stdout.ToString());
        Assert.Contains($"cannot convert {old}; nothing was printed", _stderr.ToString());
        Assert.Contains("line 2: NODE2: runs a command", _stderr.ToString());
    }

    [Theory]
    [InlineData("/dev/zero", "larger than 1024 KiB")]
    [InlineData("/nonexistent/image-sync.conf", "Could not find")]
    public void Should_exit_2_naming_a_file_it_cannot_read(string path, string why)
    {
        Assert.Equal(ExitCodes.BadConfig, ImportConfigCommand.Convert(path, _stdout, _stderr));

        Assert.StartsWith($"image-sync: cannot read {path}:", _stderr.ToString());
        Assert.Contains(why, _stderr.ToString());
        Assert.Empty(_stdout.ToString());
    }

    private string Old(string text)
    {
        var path = _dir.File("image-sync.conf");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
