using ImageSync.Domain;
using ImageSync.Nodes.Ssh;

namespace ImageSync.Tests.Nodes;

public sealed class RemoteCommandsSpecs
{
    [Fact]
    public void Should_send_the_bash_tools_commands_when_sudo_is_off()
    {
        var commands = new ShellCommands(sudo: false, "crictl", TimeSpan.FromSeconds(10));

        Assert.Equal("echo ok", RemoteCommands.Check);
        Assert.Equal("crictl images -o json", commands.ListImages);
        Assert.Equal("timeout --kill-after=10 600 crictl pull 'registry.example.com/team/api:1.4.2'",
            commands.Pull(ImageRef.Parse("registry.example.com/team/api:1.4.2"), TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Should_prefix_sudo_and_use_the_configured_crictl_when_asked()
    {
        var commands = new ShellCommands(sudo: true, "/usr/local/bin/crictl", TimeSpan.FromSeconds(3));

        Assert.Equal("sudo -n /usr/local/bin/crictl images -o json", commands.ListImages);
        Assert.Equal("sudo -n timeout --kill-after=3 2 /usr/local/bin/crictl pull 'docker.io/library/nginx:1.25'",
            commands.Pull(ImageRef.Parse("nginx:1.25"), TimeSpan.FromMilliseconds(1500)));
    }

    [Fact]
    public void Should_name_only_the_helpers_verbs_and_checked_arguments_when_the_node_runs_the_helper()
    {
        var commands = new HelperCommands("/usr/local/lib/image-sync/image-sync-node", sudo: false, TimeSpan.FromSeconds(10));
        var image = ImageRef.Parse("registry.example.com/team/api:1.4.2");

        Assert.Equal("/usr/local/lib/image-sync/image-sync-node facts", commands.CheckAndFacts);
        Assert.Equal("/usr/local/lib/image-sync/image-sync-node list", commands.ListImages);
        Assert.Equal("/usr/local/lib/image-sync/image-sync-node df", commands.ImageFs("/var/lib/containerd"));
        Assert.Equal("/usr/local/lib/image-sync/image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10 auth",
            commands.Pull(image, TimeSpan.FromMinutes(10), credentialOnInput: true));
        Assert.Equal("/usr/local/lib/image-sync/image-sync-node import 'registry.example.com/team/api:1.4.2' 'sha256:ab' 60 10",
            commands.Import(image, "sha256:ab", TimeSpan.FromMinutes(1)));
        Assert.Equal("/usr/local/lib/image-sync/image-sync-node pin 'registry.example.com/team/api:1.4.2'", commands.Pin(image, pin: true));
        Assert.Equal("/usr/local/lib/image-sync/image-sync-node unpin 'registry.example.com/team/api:1.4.2'", commands.Pin(image, pin: false));
    }

    [Fact]
    public void Should_send_the_helpers_own_pin_code_with_the_configured_ctr_when_the_node_is_spoken_to_in_shell_programs()
    {
        var commands = new ShellCommands(sudo: false, "crictl", TimeSpan.FromSeconds(10), ImageSync.Tests.Support.TestData.Simulated("transfer.ctr = /opt/bin/ctr").Transfer);

        var pin = commands.Pin(ImageRef.Parse("registry.example.com/team/api:1.4.2"), pin: true);

        Assert.StartsWith("IMAGE_SYNC_CTR='/opt/bin/ctr' IMAGE_SYNC_NAMESPACE='k8s.io' sh -c ", pin);
        Assert.EndsWith(" image-sync-node pin 'registry.example.com/team/api:1.4.2'", pin);
    }

    [Fact]
    public void Should_read_the_credential_from_input_into_crictls_environment_when_a_shell_pull_has_one()
    {
        var commands = new ShellCommands(sudo: false, "crictl", TimeSpan.FromSeconds(10));

        var pull = commands.Pull(ImageRef.Parse("registry.example.com/team/api:1.4.2"), TimeSpan.FromMinutes(10), credentialOnInput: true);

        Assert.Equal("IFS= read -r CRICTL_AUTH && export CRICTL_AUTH && timeout --kill-after=10 600 crictl pull 'registry.example.com/team/api:1.4.2'", pull);
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
