using System.Diagnostics;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Nodes.Ssh;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>
/// The node helper (deploy/node/image-sync-node) run by a real sh, as sshd runs a forced command: what it lets through
/// to crictl, and what it refuses before anything runs (exit 126, one line). Its tools are stand-ins that record their
/// arguments and environment, and touch a file when they run at all.
/// </summary>
public sealed class NodeHelperSpecs : IDisposable
{
    private const string Image = "registry.example.com/team/api:1.4.2";
    private readonly TempDirectory _dir = new();

    public NodeHelperSpecs()
    {
        foreach (var tool in new[] { "crictl", "ctr" })
        {
            var path = Path.Combine(_dir.Path, tool);
            File.WriteAllText(path, $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{Calls}'\nprintf 'auth=%s\\n' \"${{CRICTL_AUTH:-}}\" >> '{Calls}'\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Calls => Path.Combine(_dir.Path, "calls");

    private string Marker => Path.Combine(_dir.Path, "ran");

    [Fact]
    public void Should_be_the_script_built_into_the_program()
    {
        Assert.Equal(File.ReadAllText(HelperPath), NodeHelperScript.Text);
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
        var (exitCode, _, stderr) = Forced(command.Replace("{marker}", Marker));

        Assert.Equal(126, exitCode);
        Assert.Matches(@"^image-sync-node: refused: [^\n]+\n$", stderr);
        Assert.False(File.Exists(Marker), "the refused command ran something");
        Assert.False(File.Exists(Calls), $"a tool ran: {(File.Exists(Calls) ? File.ReadAllText(Calls) : "")}");
    }

    [Fact]
    public void Should_refuse_a_reference_with_a_line_break_in_its_arguments()
    {
        var (exitCode, _, stderr) = Direct(["pull", $"{Image}\ntouch {Marker}", "600", "10"]);

        Assert.Equal(126, exitCode);
        Assert.Contains("line break", stderr);
        Assert.False(File.Exists(Calls));
    }

    [Theory]
    [InlineData("image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10")]
    [InlineData("/usr/local/lib/image-sync/image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10")]
    [InlineData("sudo -n /usr/local/lib/image-sync/image-sync-node pull 'registry.example.com/team/api:1.4.2' 600 10")]
    [InlineData("image-sync-node pull registry.example.com/team/api:1.4.2 600 10")]
    public void Should_run_crictl_pull_under_timeout_with_the_reference_as_one_argument_when_the_forced_command_asks_for_a_pull(string command)
    {
        var (exitCode, _, stderr) = Forced(command);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal($"pull {Image}", File.ReadAllLines(Calls)[0]);
    }

    [Fact]
    public void Should_give_crictl_the_credential_in_its_environment_and_never_in_an_argument()
    {
        const string credential = "YWxpY2U6czNjcmV0";

        var (exitCode, _, stderr) = Forced($"image-sync-node pull '{Image}' 600 10 auth", input: credential + "\n");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal([$"pull {Image}", $"auth={credential}"], File.ReadAllLines(Calls));
    }

    [Fact]
    public void Should_print_ok_its_version_and_the_facts_sections_when_asked_for_facts()
    {
        var (exitCode, stdout, _) = Forced("image-sync-node facts");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("ok\n", stdout);
        Assert.Equal($"{NodeHelperScript.Name} {NodeHelperScript.Version}", NodeFactsOutput.Parse(stdout).Helper);
    }

    [Fact]
    public void Should_tell_the_machine_id_and_the_image_store_s_directory_as_the_node_s_identity_when_asked_for_facts()
    {
        var store = Directory.CreateDirectory(Path.Combine(_dir.Path, "image store")).FullName;
        File.WriteAllText(Path.Combine(_dir.Path, "crictl"),
            $"#!/bin/sh\nprintf '%s\\n' '{{\"status\":{{\"imageFilesystems\":[{{\"fsId\":{{\"mountpoint\":\"{store}\"}}}}]}}}}'\n");

        var (exitCode, stdout, _) = Forced("image-sync-node facts");

        Assert.Equal(0, exitCode);
        var identity = NodeFactsOutput.Parse(stdout).Identity;
        Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), identity?.MachineId);
        Assert.Equal((store, NodeFactsOutputSpecs.Inode(store)), (identity!.Store!.Path, identity.Store.Inode));
    }

    [Theory]
    [InlineData("pin", "-", "pinned", "io.cri-containerd.pinned=pinned")]
    [InlineData("pin", "other=x,io.cri-containerd.pinned=pinned", "already", null)]
    [InlineData("unpin", "io.cri-containerd.pinned=pinned,other=x", "unpinned", "io.cri-containerd.pinned=")]
    [InlineData("unpin", "other=x", "not-pinned", null)]
    public void Should_set_or_take_off_the_pin_label_and_say_whether_it_did(string verb, string labels, string answer, string? labelled)
    {
        var labelCalls = Ctr(holds: Image, labels);

        var (exitCode, stdout, stderr) = Forced($"image-sync-node {verb} '{Image}'");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(answer, stdout.Trim());
        Assert.Equal(labelled is null ? [] : [$"-n k8s.io images label {Image} {labelled}"], File.Exists(labelCalls) ? File.ReadAllLines(labelCalls) : []);
    }

    [Fact]
    public void Should_say_absent_when_no_image_has_that_name()
    {
        Ctr(holds: "registry.example.com/team/api:1.4.2-rc", "-");

        var (exitCode, stdout, _) = Forced($"image-sync-node pin '{Image}'");

        Assert.Equal((0, "absent"), (exitCode, stdout.Trim()));
    }

    [Fact]
    public void Should_name_crio_s_own_setting_when_the_node_has_no_ctr()
    {
        File.Delete(Path.Combine(_dir.Path, "ctr"));

        var (exitCode, _, stderr) = Forced($"image-sync-node pin '{Image}'");

        Assert.Equal(127, exitCode);
        Assert.Contains("(containerd's CLI) on this node: a CRI-O node pins images with pinned_images in crio.conf", stderr);
    }

    /// <summary>A ctr that lists one image with the labels given and records its label calls; returns where it records them.</summary>
    private string Ctr(string holds, string labels)
    {
        var calls = Path.Combine(_dir.Path, "label-calls");
        File.WriteAllText(Path.Combine(_dir.Path, "ctr"), $"""
            #!/bin/sh
            case "$3 $4" in
              "images ls") printf 'REF TYPE DIGEST SIZE PLATFORMS LABELS\n%s application/vnd.oci.image.manifest.v1+json sha256:0 1.0 MiB linux/amd64 %s\n' '{holds}' '{labels}' ;;
              "images label") printf '%s\n' "$*" >> '{calls}' ;;
              *) exit 2 ;;
            esac

            """);
        return calls;
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

        var (exitCode, _, _) = Direct(["pull", reference, "600", "10"]);

        Assert.Equal(accepted ? 0 : 126, exitCode);
    }

    [Fact]
    public void Should_refuse_a_tag_longer_than_the_grammar_allows()
    {
        var (exitCode, _, _) = Direct(["pull", $"registry.example.com/team/api:{new string('a', 129)}", "600", "10"]);

        Assert.Equal(126, exitCode);
    }

    private static string HelperPath => Path.Combine(Repository.Root, "deploy", "node", "image-sync-node");

    /// <summary>As sshd runs a forced command: no arguments, the client's command in SSH_ORIGINAL_COMMAND.</summary>
    private (int ExitCode, string Stdout, string Stderr) Forced(string command, string input = "") =>
        Start([], new Dictionary<string, string> { ["SSH_ORIGINAL_COMMAND"] = command }, input);

    /// <summary>As a shell or sudo starts it: the verb and its arguments as arguments.</summary>
    private (int ExitCode, string Stdout, string Stderr) Direct(string[] arguments) => Start(arguments, new Dictionary<string, string>(), "");

    private (int ExitCode, string Stdout, string Stderr) Start(string[] arguments, Dictionary<string, string> environment, string input)
    {
        var start = new ProcessStartInfo("/bin/sh", [HelperPath, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir.Path,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["IMAGE_SYNC_CRICTL"] = Path.Combine(_dir.Path, "crictl");
        start.Environment["IMAGE_SYNC_CTR"] = Path.Combine(_dir.Path, "ctr");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var helper = Process.Start(start)!;
        helper.StandardInput.Write(input);
        helper.StandardInput.Close();
        var stdout = helper.StandardOutput.ReadToEndAsync();
        var stderr = helper.StandardError.ReadToEnd();
        helper.WaitForExit();
        return (helper.ExitCode, stdout.Result, stderr);
    }

    public void Dispose() => _dir.Dispose();
}
