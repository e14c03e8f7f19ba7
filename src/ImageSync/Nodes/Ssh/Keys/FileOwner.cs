using System.Runtime.InteropServices;

namespace ImageSync.Nodes.Ssh.Keys;

/// <summary>Who owns a file and who runs this process: what OpenSSH asks before it trusts a private key's mode.</summary>
internal static class FileOwner
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxUid = 0x8;

    // struct statx has the same layout on every architecture (fixed-size fields): stx_uid is the u32 at offset 20.
    private const int StatxSize = 256;
    private const int UidOffset = 20;

    /// <summary>The real user id, as OpenSSH's check uses it (getuid).</summary>
    public static uint RunningUser => getuid();

    /// <summary>The owner of the file a path names, symlinks followed (a Kubernetes Secret's files are symlinks).</summary>
    /// <exception cref="IOException">The file cannot be examined.</exception>
    public static uint Of(string path)
    {
        var buffer = new byte[StatxSize];
        if (statx(AtCurrentDirectory, path, 0, StatxUid, buffer) != 0)
            throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return MemoryMarshal.Read<uint>(buffer.AsSpan(UidOffset));
    }

    [DllImport("libc")]
    private static extern uint getuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
