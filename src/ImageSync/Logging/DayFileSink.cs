using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace ImageSync.Logging;

/// <summary>
/// One of the three day files. Each line opens the file of its own day for appending (O_APPEND: a cron run
/// and a daemon writing the same file never overwrite each other's lines), writes itself in one write and
/// closes it again. Nothing is held open between lines, so a log dir that is deleted (it is created again),
/// remounted read-only or full is written again from the first line after it recovers. A line that cannot
/// be written is counted in <see cref="DayFileHealth"/>, never thrown at the sync.
/// </summary>
internal sealed class DayFileSink(string dir, string stem, ITextFormatter formatter, DayFileHealth health) : ILogEventSink
{
    // Linux open(2) flags (the same on x86-64 and arm64).
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Append = 0x400;
    private const int CloseOnExec = 0x80000;
    private const int NoSuchFileOrDirectory = 2;

    public void Emit(LogEvent logEvent)
    {
        var line = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(logEvent, line);
        var path = Path.Combine(dir, DayFiles.NameFor(stem, DateOnly.FromDateTime(logEvent.Timestamp.DateTime)));
        try
        {
            Write(path, Encoding.UTF8.GetBytes(line.ToString()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            health.Lost(e.Message);
        }
    }

    private void Write(string path, byte[] bytes)
    {
        using var file = OpenForAppend(path);
        var written = write(file, bytes, bytes.Length);
        if (written < 0) throw Failure(path, Marshal.GetLastPInvokeError());
        if (written < bytes.Length) throw new IOException($"{path}: {written} of {bytes.Length} bytes written (is the disk full?)");
    }

    private SafeFileHandle OpenForAppend(string path)
    {
        var mode = (int)DayFiles.FileMode;
        var fd = open(path, WriteOnly | Create | Append | CloseOnExec, mode);
        if (fd < 0 && Marshal.GetLastPInvokeError() == NoSuchFileOrDirectory)
        {
            // The log dir was deleted: create it again (0750), as at start.
            Directory.CreateDirectory(dir, DayFiles.DirectoryMode);
            fd = open(path, WriteOnly | Create | Append | CloseOnExec, mode);
        }
        return fd < 0 ? throw Failure(path, Marshal.GetLastPInvokeError()) : new SafeFileHandle(fd, ownsHandle: true);
    }

    private static IOException Failure(string path, int errno) => new($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(SafeFileHandle file, byte[] bytes, nint count);
}
