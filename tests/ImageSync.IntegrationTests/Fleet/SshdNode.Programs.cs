namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// Programs of the test's own in this node's bin directory, first on the PATH of every command the node runs:
/// another machine (uname), another machine-id (cat), or any stand-in a test writes.
/// </summary>
public sealed partial class SshdNode
{
    private bool _binOnPath;

    /// <summary>
    /// Makes this node report another machine (uname -m), e.g. "aarch64", as a node of a mixed fleet would:
    /// a `uname` stand-in in the node's bin directory, first on the PATH of every command the node runs
    /// (sshd's SetEnv PATH reaches them; so before <see cref="Start"/>). Any other uname question gets the
    /// real answer.
    /// </summary>
    public SshdNode Architecture(string machine) =>
        WithProgram("uname", $"""
            #!/bin/sh
            # {Name}'s uname (SshdNode.Architecture): {machine} as the machine, the real uname for the rest.
            case "$*" in
              -m) echo '{machine}' ;;
              -sm|-ms|"-s -m"|"-m -s") echo 'Linux {machine}' ;;
              *) exec /bin/uname "$@" ;;
            esac

            """);

    /// <summary>
    /// Makes this node report a machine-id of the test's choosing (a `cat` stand-in first on the node's PATH answers for
    /// /etc/machine-id alone; so before <see cref="Start"/>); <see cref="NewMachine"/> changes it later.
    /// </summary>
    public SshdNode MachineId(string id)
    {
        File.WriteAllText(Path.Combine(Dir, "machine-id"), id + "\n");
        return WithProgram("cat", $"""
            #!/bin/sh
            # {Name}'s cat (SshdNode.MachineId): the machine-id the test gives this node, the real cat for the rest.
            [ "$*" = /etc/machine-id ] && exec /bin/cat '{Path.Combine(Dir, "machine-id")}'
            exec /bin/cat "$@"

            """);
    }

    /// <summary>
    /// Another machine takes this node's name (re-imaged, replaced): a new machine-id (see <see cref="MachineId"/>) and an
    /// empty image store, whose directory is made anew (a new inode and birth time), as a wiped runtime store's is.
    /// </summary>
    public void NewMachine(string machineId)
    {
        File.WriteAllText(Path.Combine(Dir, "machine-id"), machineId + "\n");
        Directory.Delete(StateDir, recursive: true);
        Directory.CreateDirectory(StateDir);
    }

    /// <summary>
    /// A program of the test's own in the node's bin directory, first on the PATH of every command the node runs
    /// (sshd's SetEnv PATH reaches them; so before <see cref="Start"/>), e.g. a ctr that misbehaves in one way.
    /// </summary>
    public SshdNode WithProgram(string name, string script)
    {
        if (_process is not null && !_binOnPath) throw new InvalidOperationException($"{Name}: programs must be added before Start (it changes PATH)");
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(Dir, "bin")).FullName, name);
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _binOnPath = true;
        return this;
    }

    /// <summary>
    /// The node's bin directory first on PATH, when it has one. SetEnv replaces the PATH sshd gives a root
    /// session rather than adding to it, so that PATH follows the node's own.
    /// </summary>
    private string PathSetting => _binOnPath ? $" PATH={Path.Combine(Dir, "bin")}:{DefaultSessionPath}" : "";

    /// <summary>The PATH Debian's sshd gives a root session (its SUPERUSER_PATH), when SetEnv does not set one.</summary>
    public const string DefaultSessionPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}
