using System.Text;

namespace ImageSync.Nodes;

/// <summary>
/// Reading a remote command's output as it arrives: bounded, so a node that prints without end cannot exhaust
/// memory, and always to its end, so the channel can close whatever the reader made of it.
/// </summary>
internal static class CommandOutput
{
    private const int ErrorTailBytes = 4 * 1024;

    public static byte[] ReadAll(Stream stream)
    {
        using var kept = new MemoryStream();
        stream.CopyTo(kept);
        return kept.ToArray();
    }

    /// <summary>Reads and drops what is left, so the command can finish.</summary>
    public static void Drain(Stream stream) => stream.CopyTo(Stream.Null);

    /// <summary>Reads all of stderr but keeps only its end: the last line is what explains a failure.</summary>
    public static string ReadTail(Stream stream)
    {
        const int keep = ErrorTailBytes;
        using var tail = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            tail.Write(buffer, 0, read);
            if (tail.Length <= 2 * keep) continue;
            var last = tail.ToArray()[^keep..];
            tail.SetLength(0);
            tail.Write(last);
        }
        var bytes = tail.ToArray();
        return Encoding.UTF8.GetString(bytes, Math.Max(0, bytes.Length - keep), Math.Min(bytes.Length, keep));
    }

    /// <summary>
    /// A command's output up to <paramref name="limit"/> bytes. Past that it tells <paramref name="overflow"/> once,
    /// drains the rest and ends, so whoever reads sees an end, and the command is refused for its size.
    /// </summary>
    public sealed class Limited(Stream inner, long limit, Action overflow) : Stream
    {
        private long _read;
        private bool _overflowed;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_overflowed) return 0;
            var read = inner.Read(buffer, offset, count);
            _read += read;
            if (_read <= limit) return read;
            _overflowed = true;
            overflow();
            Drain(inner);
            return 0;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
