using System.Diagnostics;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>
/// The node helper (deploy/node/image-sync-node) in a directory of its own, run by a real sh. Its tools are stand-ins
/// that record their arguments and environment, and touch a file when they run at all.
/// </summary>
public sealed class NodeHelperSandbox : IDisposable
{
    private readonly TempDirectory _dir = new();

    public NodeHelperSandbox()
    {
        foreach (var tool in new[] { "crictl", "ctr" })
        {
            var path = Path.Combine(Dir, tool);
            File.WriteAllText(path, $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{Calls}'\nprintf 'auth=%s\\n' \"${{CRICTL_AUTH:-}}\" >> '{Calls}'\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Dir => _dir.Path;

    /// <summary>Where the stand-in crictl and ctr record each call: its arguments, then the credential it was given.</summary>
    public string Calls => Path.Combine(Dir, "calls");

    /// <summary>A file that exists only once a refused command ran something after all.</summary>
    public string Marker => Path.Combine(Dir, "ran");

    public static string HelperPath => Path.Combine(Repository.Root, "deploy", "node", "image-sync-node");

    /// <summary>A ctr that lists one image with the labels given and records its label calls; returns where it records them.</summary>
    public string Ctr(string holds, string labels)
    {
        var calls = Path.Combine(Dir, "label-calls");
        File.WriteAllText(Path.Combine(Dir, "ctr"), $"""
            #!/bin/sh
            case "$3 $4" in
              "images ls") printf 'REF TYPE DIGEST SIZE PLATFORMS LABELS\n%s application/vnd.oci.image.manifest.v1+json sha256:0 1.0 MiB linux/amd64 %s\n' '{holds}' '{labels}' ;;
              "images label") printf '%s\n' "$*" >> '{calls}' ;;
              *) exit 2 ;;
            esac

            """);
        return calls;
    }

    /// <summary>As sshd runs a forced command: no arguments, the client's command in SSH_ORIGINAL_COMMAND.</summary>
    public (int ExitCode, string Stdout, string Stderr) Forced(string command, string input = "") =>
        Start([], new Dictionary<string, string> { ["SSH_ORIGINAL_COMMAND"] = command }, input);

    /// <summary>As a shell or sudo starts it: the verb and its arguments as arguments.</summary>
    public (int ExitCode, string Stdout, string Stderr) Direct(string[] arguments) => Start(arguments, new Dictionary<string, string>(), "");

    private (int ExitCode, string Stdout, string Stderr) Start(string[] arguments, Dictionary<string, string> environment, string input)
    {
        var start = new ProcessStartInfo("/bin/sh", [HelperPath, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Dir,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["IMAGE_SYNC_CRICTL"] = Path.Combine(Dir, "crictl");
        start.Environment["IMAGE_SYNC_CTR"] = Path.Combine(Dir, "ctr");
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
