using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Nodes;

public sealed class RemoteCommandsSpecs
{
    [Fact]
    public void Should_send_the_bash_tools_commands_when_sudo_is_off()
    {
        var commands = new RemoteCommands(sudo: false, "crictl", TimeSpan.FromSeconds(10));

        Assert.Equal("echo ok", RemoteCommands.Check);
        Assert.Equal("crictl images -o json", commands.ListImages);
        Assert.Equal("timeout --kill-after=10 600 crictl pull 'registry.example.com/team/api:1.4.2'",
            commands.Pull(ImageRef.Parse("registry.example.com/team/api:1.4.2"), TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Should_prefix_sudo_and_use_the_configured_crictl_when_asked()
    {
        var commands = new RemoteCommands(sudo: true, "/usr/local/bin/crictl", TimeSpan.FromSeconds(3));

        Assert.Equal("sudo -n /usr/local/bin/crictl images -o json", commands.ListImages);
        Assert.Equal("sudo -n timeout --kill-after=3 2 /usr/local/bin/crictl pull 'docker.io/library/nginx:1.25'",
            commands.Pull(ImageRef.Parse("nginx:1.25"), TimeSpan.FromMilliseconds(1500)));
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(id); `id` | & \" \\", "'$(id); `id` | & \" \\'")]
    public void Should_single_quote_so_that_the_shell_sees_one_literal_argument(string argument, string quoted)
    {
        Assert.Equal(quoted, RemoteCommands.Quote(argument));
    }
}
