using System.Globalization;
using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes.Ssh;

/// <summary>
/// The only commands image-sync ever sends to a node, built in one place: shell programs (<see cref="ShellCommands"/>),
/// or the verbs of the node helper behind a forced command (<see cref="HelperCommands"/>). The one argument that comes
/// from a node (an image reference) is validated by <see cref="ImageRef"/> and single-quoted on top.
/// </summary>
public abstract class RemoteCommands
{
    public const string Check = "echo ok";

    /// <summary>What a copy's export sends per credit: the source never runs more than a couple of these ahead of the target.</summary>
    public const int ExportChunk = 4 << 20;

    /// <summary>The node's settings for how it is spoken to: the helper (<c>ssh.node-helper</c>, or the node's own) or shell programs.</summary>
    public static RemoteCommands For(NodeSpec node, SshSettings ssh, TimeSpan killAfter, TransferSettings transfer) =>
        node.NodeHelper ?? ssh.NodeHelper
            ? new HelperCommands(ssh.NodeHelperPath, ssh.Sudo, killAfter)
            : new ShellCommands(ssh.Sudo, ssh.Crictl, killAfter, transfer);

    /// <summary>How the check is named in a failure (<c>echo ok</c>).</summary>
    public abstract string CheckName { get; }

    /// <summary>
    /// <c>echo ok</c>, then the node's facts in the same round trip: <c>uname -sm</c>, crictl's image filesystem and
    /// df of it, each after a <see cref="NodeFactsOutput.Marker"/> line (the helper adds its version). Facts that fail
    /// do not fail the check; a CRI socket that hangs costs crictl its 10 s, not the check its command-timeout.
    /// </summary>
    public abstract string CheckAndFacts { get; }

    public abstract string ListImages { get; }

    /// <summary>df of the image filesystem alone, to re-check the disk between a node's pulls.</summary>
    public abstract string ImageFs(string path);

    /// <param name="credentialOnInput">The command reads a registry credential from its first line of input and hands it to crictl in its environment.</param>
    public abstract string Pull(ImageRef image, TimeSpan timeout, bool credentialOnInput = false);

    /// <summary>
    /// The source's half of a copy. SSH.NET reads a channel as fast as the node sends, whatever its reader does, so the
    /// export is paced by credits: each line image-sync writes to the command's input lets one more <see cref="ExportChunk"/> out.
    /// </summary>
    public abstract string Export(ImageRef image, TimeSpan timeout);

    /// <summary>
    /// The target's half: the stream goes into a quarantine namespace; only the image named <paramref name="image"/> whose
    /// config digest is <paramref name="imageId"/> is then named as a CRI pull would (the tag and <c>repo@digest</c>);
    /// anything else the stream held is removed, and all of it when that image is not there.
    /// </summary>
    public abstract string Import(ImageRef image, string imageId, TimeSpan timeout);

    /// <summary>
    /// Sets (<paramref name="pin"/>) or takes off containerd's <c>io.cri-containerd.pinned=pinned</c> label of the image, through
    /// ctr; the command prints one word, read by <see cref="PinAnswerOf"/>.
    /// </summary>
    public abstract string Pin(ImageRef image, bool pin);

    /// <summary>What the node helper's <c>pin</c> and <c>unpin</c> print as their last line; null for anything else.</summary>
    public static PinAnswer? PinAnswerOf(string word) => word switch
    {
        "pinned" => PinAnswer.Pinned,
        "already" => PinAnswer.AlreadyPinned,
        "unpinned" => PinAnswer.Unpinned,
        "not-pinned" => PinAnswer.NotPinned,
        "absent" => PinAnswer.Absent,
        _ => null,
    };

    /// <summary>POSIX shell single quoting: nothing inside is special, a quote is closed, escaped and reopened.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The df command the shell path runs for an image filesystem.</summary>
    public static string Df(string path) => $"LC_ALL=C df -P -B1 -- {Quote(path)}";

    protected static string Seconds(TimeSpan span) => Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}

/// <summary>Shell programs, as the bash tool sent them; copies run the node helper's own code, sent inline.</summary>
public sealed class ShellCommands(bool sudo, string crictl, TimeSpan killAfter, TransferSettings? transfer = null) : RemoteCommands
{
    private readonly string _prefix = sudo ? "sudo -n " : "";

    /// <summary>The machine's id (systemd's, else D-Bus's older place for it), as the shell path reads it for the node's identity.</summary>
    private const string MachineId = "cat /etc/machine-id 2>/dev/null || cat /var/lib/dbus/machine-id 2>&1";

    /// <summary>
    /// The image filesystem's directory (<c>$p</c>) as stat names it, or the runtime's root above it where the login may not
    /// enter (containerd keeps its root 0700): its inode and birth time change when the store is made anew.
    /// </summary>
    private const string StoreStat = "stat -c '%i %.9W %n' -- \"$p\" 2>/dev/null || stat -c '%i %.9W %n' -- \"${p%/*}\" 2>&1";

    public override string CheckName => Check;

    public override string ListImages => $"{_prefix}{crictl} images -o json";

    public override string CheckAndFacts
    {
        get
        {
            const string m = NodeFactsOutput.Marker;
            return $"echo ok; export LC_ALL=C; echo '{m} uname'; uname -sm 2>&1; echo '{m} machine-id'; {MachineId}; "
                + $"f=$({_prefix}timeout 10 {crictl} imagefsinfo -o json 2>&1); "
                + $"echo \"{m} imagefsinfo $?\"; printf '%s\\n' \"$f\"; case $f in *'\"mountpoint\"'*) "
                + "p=${f#*'\"mountpoint\"'}; p=${p#*'\"'}; p=${p%%'\"'*}; "
                + $"echo '{m} df'; df -P -B1 -- \"$p\" 2>&1; echo \"{m} df-exit $?\"; echo '{m} store'; {StoreStat};; esac; true";
        }
    }

    public override string ImageFs(string path) => Df(path);

    /// <summary>With a credential, sudo keeps CRICTL_AUTH only where sudoers lets it (<c>env_keep</c>); the helper needs no such line.</summary>
    public override string Pull(ImageRef image, TimeSpan timeout, bool credentialOnInput = false) =>
        (credentialOnInput ? $"IFS= read -r CRICTL_AUTH && export CRICTL_AUTH && {(sudo ? "sudo -n --preserve-env=CRICTL_AUTH " : "")}" : _prefix)
        + $"timeout --kill-after={Seconds(killAfter)} {Seconds(timeout)} {crictl} pull {Quote(image.ToString())}";

    public override string Export(ImageRef image, TimeSpan timeout) =>
        Inline("export", Quote(image.ToString()), Seconds(timeout), Seconds(killAfter));

    public override string Import(ImageRef image, string imageId, TimeSpan timeout) =>
        Inline("import", Quote(image.ToString()), Quote(imageId), Seconds(timeout), Seconds(killAfter));

    public override string Pin(ImageRef image, bool pin) => Inline(pin ? "pin" : "unpin", Quote(image.ToString()));

    /// <summary>The node helper's script, given to the node's sh with its tools named as the config names them.</summary>
    private string Inline(params string[] verbAndArguments) =>
        $"IMAGE_SYNC_CTR={Quote(transfer?.Ctr ?? "ctr")} IMAGE_SYNC_NAMESPACE={Quote(transfer?.Namespace ?? "k8s.io")}{(sudo ? " IMAGE_SYNC_SUDO=1" : "")} "
        + $"sh -c {Quote(NodeHelperScript.Text)} image-sync-node {string.Join(' ', verbAndArguments)}";
}

/// <summary>
/// The node helper's verbs (<c>deploy/node/image-sync-node</c>), for nodes whose key runs it as a forced command: the node
/// names its own crictl, ctr and namespace; image-sync only chooses among the verbs and their checked arguments.
/// </summary>
public sealed class HelperCommands(string helper, bool sudo, TimeSpan killAfter) : RemoteCommands
{
    private readonly string _helper = (sudo ? "sudo -n " : "") + helper;

    public override string CheckName => $"{NodeHelperScript.Name} facts";

    public override string CheckAndFacts => $"{_helper} facts";

    public override string ListImages => $"{_helper} list";

    public override string ImageFs(string path) => $"{_helper} df";

    public override string Pull(ImageRef image, TimeSpan timeout, bool credentialOnInput = false) =>
        $"{_helper} pull {Quote(image.ToString())} {Seconds(timeout)} {Seconds(killAfter)}{(credentialOnInput ? " auth" : "")}";

    public override string Export(ImageRef image, TimeSpan timeout) =>
        $"{_helper} export {Quote(image.ToString())} {Seconds(timeout)} {Seconds(killAfter)}";

    public override string Import(ImageRef image, string imageId, TimeSpan timeout) =>
        $"{_helper} import {Quote(image.ToString())} {Quote(imageId)} {Seconds(timeout)} {Seconds(killAfter)}";

    public override string Pin(ImageRef image, bool pin) => $"{_helper} {(pin ? "pin" : "unpin")} {Quote(image.ToString())}";
}

/// <summary>The node helper as shipped in deploy/node, built into the program so the shell path can run its copy code too.</summary>
public static class NodeHelperScript
{
    public const string Name = "image-sync-node";

    /// <summary>The version the helper prints (<c>image-sync-node 2</c>), which this program speaks: 2 added pin and unpin, and the identity to facts.</summary>
    public const string Version = "2";

    public static string Text { get; } = Read();

    private static string Read()
    {
        using var stream = typeof(NodeHelperScript).Assembly.GetManifestResourceStream("ImageSync.image-sync-node")
            ?? throw new InvalidOperationException("the node helper is not built into this program");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
