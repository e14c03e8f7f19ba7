using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Nodes.Ssh;

namespace ImageSync.Tests.Nodes;

/// <summary>
/// The node helper (deploy/node/image-sync-node) run by a real sh, as sshd runs a forced command: what it lets through
/// to crictl, and what it refuses before anything runs (exit 126, one line).
/// </summary>
public sealed class NodeHelperSpecs : IDisposable
{
    private const string Image = "registry.example.com/team/api:1.4.2";
    private readonly NodeHelperSandbox _helper = new();

    [Fact]
    public void Should_be_the_script_built_into_the_program()
    {
        Assert.Equal(File.ReadAllText(NodeHelperSandbox.HelperPath), NodeHelperScript.Text);
    }

    [Theory]
    [InlineData("sh -c id")]
    [InlineData("touch {marker}")]
    [InlineData("image-sync-node pull 'a;touch {marker}' 600 10")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1;touch {marker}' 600 10")]
    [InlineData("image-sync-node pull '$(touch {marker})' 600 10")]
    [InlineData("image-sync-node export {marker} 600 10")]
    [InlineData("image-sync-node export /etc/passwd 600 10")]
    [InlineData("image-sync-node rm -rf /")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1' 600")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1' 600 10 {marker}")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1' 0 10")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1' 1e3 10")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1' -1 10")]
    [InlineData("image-sync-node pull 'registry.example.com/team/api' 600 10")]
    [InlineData("image-sync-node pull 'Registry.example.com/Team/api:1' 600 10")]
    [InlineData("image-sync-node import 'registry.example.com/team/api:1' 'latest' 600 10")]
    [InlineData("image-sync-node pin 'registry.example.com/team/api:1;touch {marker}'")]
    [InlineData("image-sync-node unpin 'registry.example.com/team/api:1' {marker}")]
    [InlineData("image-sync-node pin")]
    [InlineData("image-sync-node list; touch {marker}")]
    [InlineData("image-sync-node version | touch {marker}")]
    [InlineData("/tmp/evil/image-sync-node-2 list")]
    [InlineData("sudo -n touch {marker}")]
    [InlineData("")]
    public void Should_refuse_with_126_and_one_line_and_run_nothing_when_the_command_is_not_its_vocabulary(string command)
    {
        var (exitCode, _, stderr) = _helper.Forced(command.Replace("{marker}", _helper.Marker));

        Assert.Equal(126, exitCode);
        Assert.Matches(@"^image-sync-node: refused: [^\n]+\n$", stderr);
        Assert.False(File.Exists(_helper.Marker), "the refused command ran something");
        Assert.False(File.Exists(_helper.Calls), $"a tool ran: {(File.Exists(_helper.Calls) ? File.ReadAllText(_helper.Calls) : "")}");
    }

    [Fact]
    public void Should_refuse_a_reference_with_a_line_break_in_its_arguments()
    {
        var (exitCode, _, stderr) = _helper.Direct(["pull", $"{Image}\ntouch {_helper.Marker}", "600", "10"]);

        Assert.Equal(126, exitCode);
        Assert.Contains("line break", stderr);
        Assert.False(File.Exists(_helper.Calls));
    }

    [Theory]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10")]
    [InlineData("/usr/local/lib/image-sync/image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10")]
    [InlineData("sudo -n /usr/local/lib/image-sync/image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10")]
    [InlineData("image-sync-node pull registry.example.com/team/api:1.4.2 600 10")]
    public void Should_run_crictl_pull_under_timeout_with_the_reference_as_one_argument_when_the_forced_command_asks_for_a_pull(string command)
    {
        var (exitCode, _, stderr) = _helper.Forced(command);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal($"pull {Image}", File.ReadAllLines(_helper.Calls)[0]);
    }

    [Fact]
    public void Should_give_crictl_the_credential_in_its_environment_and_never_in_an_argument()
    {
        const string credential = "YWxpY2U6czNjcmV0";

        var (exitCode, _, stderr) = _helper.Forced($"image-sync-node pull '{Image}' 600 10 auth", input: credential + "\n");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal([$"pull {Image}", $"auth={credential}"], File.ReadAllLines(_helper.Calls));
    }

    [Fact]
    public void Should_print_ok_its_version_and_the_facts_sections_when_asked_for_facts()
    {
        var (exitCode, stdout, _) = _helper.Forced("image-sync-node facts");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("ok\n", stdout);
        Assert.Equal($"{NodeHelperScript.Name} {NodeHelperScript.Version}", NodeFactsOutput.Parse(stdout).Helper);
    }

    [Fact]
    public void Should_tell_the_machine_id_and_the_image_store_s_directory_as_the_node_s_identity_when_asked_for_facts()
    {
        var store = Directory.CreateDirectory(Path.Combine(_helper.Dir, "image store")).FullName;
        File.WriteAllText(Path.Combine(_helper.Dir, "crictl"),
            $"#!/bin/sh\nprintf '%s\\n' '{{\"status\":{{\"imageFilesystems\":[{{\"fsId\":{{\"mountpoint\":\"{store}\"}}}}]}}}}'\n");

        var (exitCode, stdout, _) = _helper.Forced("image-sync-node facts");

        Assert.Equal(0, exitCode);
        var identity = NodeFactsOutput.Parse(stdout).Identity;
        Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), identity?.MachineId);
        Assert.Equal((store, NodeFactsOutputSpecs.Inode(store)), (identity!.Store!.Path, identity.Store.Inode));
    }

    /// <summary>The helper and <see cref="ImageRef"/> agree on what a reference is, for references written as image-sync sends them.</summary>
    [Theory]
    [InlineData("registry.example.com/team/api:1.4.2")]
    [InlineData("registry.example.com:5000/team/api:1.4.2")]
    [InlineData("docker.io/library/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("localhost:5000/a/b__c/d-e.f:_tag.1-x")]
    [InlineData("[fd00::1]:5000/team/api:1")]
    [InlineData("registry.example.com/team/api:-1")]
    [InlineData("registry.example.com/team/api:.1")]
    [InlineData("registry.example.com/team/api:a\u00e9")]
    [InlineData("registry.example.com/team/api:1@sha256:short")]
    [InlineData("registry.example.com/team//api:1")]
    [InlineData("registry.example.com/team/api_:1")]
    [InlineData("-registry.example.com/team/api:1")]
    [InlineData("registry.example.com/team/api:1 2")]
    public void Should_accept_exactly_the_references_image_sync_itself_accepts(string reference)
    {
        var accepted = ImageRef.TryParse(reference, out var parsed, out _) && parsed.ToString() == reference;

        var (exitCode, _, _) = _helper.Direct(["pull", reference, "600", "10"]);

        Assert.Equal(accepted ? 0 : 126, exitCode);
    }

    [Fact]
    public void Should_refuse_a_tag_longer_than_the_grammar_allows()
    {
        var (exitCode, _, _) = _helper.Direct(["pull", $"registry.example.com/team/api:{new string('a', 129)}", "600", "10"]);

        Assert.Equal(126, exitCode);
    }

    public void Dispose() => _helper.Dispose();
}
