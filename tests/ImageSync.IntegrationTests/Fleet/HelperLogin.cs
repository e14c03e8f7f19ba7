namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// Nodes as the README's least-privilege setup has them: the client's key logs in as an unprivileged user whose
/// authorized_keys line forces the node helper (<c>restrict,command="…/image-sync-node"</c>), in the group that
/// containerd's <c>[grpc] gid</c> gives the socket. The user and group are made once on this machine (the tests run as root).
/// </summary>
public static class HelperLogin
{
    public const string User = "image-sync-it";

    public const string Group = "image-sync-it-cri";

    private static readonly Lock Accounts = new();

    /// <summary>The group's id, for containerd's <c>[grpc] gid</c>; makes the user and group when they are missing.</summary>
    public static int GroupId
    {
        get
        {
            lock (Accounts)
            {
                if (Shell.Run("getent", ["group", Group]).ExitCode != 0) Shell.Require("groupadd", ["--system", Group]);
                if (Shell.Run("id", ["-u", User]).ExitCode != 0) Shell.Require("useradd", ["--system", "--no-create-home", "--shell", "/bin/sh", "--gid", Group, User]);
                // useradd leaves the password "!", a locked account, which sshd refuses whatever the key; "*" has no password and is not locked.
                // Its home is "/", which exists, so sshd says nothing of it on stderr.
                Shell.Require("usermod", ["--password", "*", "--home", "/", User]);
                return int.Parse(Shell.Run("getent", ["group", Group]).Stdout.Split(':')[2]);
            }
        }
    }

    /// <summary>
    /// Installs the helper and the node's crictl in the node's own lib directory, forces the helper on the client's key,
    /// and lets the user into what a node's login needs: its state directory (the stand-in crictl's records) and the way there.
    /// </summary>
    public static void Install(SshdNode node, string fleetRoot, string crictl)
    {
        _ = GroupId;
        var lib = Directory.CreateDirectory(Path.Combine(node.Dir, "lib")).FullName;
        var helper = Path.Combine(lib, "image-sync-node");
        File.Copy(Path.Combine(Repository.Root, "deploy", "node", "image-sync-node"), helper, overwrite: true);
        File.Copy(crictl, Path.Combine(lib, "crictl"), overwrite: true);
        foreach (var program in new[] { helper, Path.Combine(lib, "crictl") }) File.SetUnixFileMode(program, Executable);
        File.WriteAllText(node.AuthorizedKeys, $"restrict,command=\"{helper}\" {File.ReadAllText(node.AuthorizedKeys).Trim()}\n");
        File.SetUnixFileMode(node.AuthorizedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // A temp directory is the test's alone (0700): the user may pass through it, not list it.
        File.SetUnixFileMode(fleetRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        Shell.Require("chown", ["-R", $"{User}:{Group}", node.StateDir]);
        node.WithEnvironment("IMAGE_SYNC_CRICTL", Path.Combine(lib, "crictl"));
    }

    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
}
