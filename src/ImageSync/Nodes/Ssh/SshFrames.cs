using System.Buffers.Binary;

namespace ImageSync.Nodes.Ssh;

/// <summary>Writes the SSH wire types (RFC 4251) the agent protocol and certificates use: big-endian uint32 and length-prefixed strings.</summary>
internal sealed class FrameWriter
{
    private readonly MemoryStream _buffer = new();

    public FrameWriter UInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public FrameWriter Bytes(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        _buffer.Write(value);
        return this;
    }

    public byte[] ToArray() => _buffer.ToArray();
}

/// <summary>Reads the SSH wire types; a field running past the end is reported through <paramref name="garbled"/>.</summary>
internal sealed class FrameReader(byte[] buffer, int offset, Func<string, Exception> garbled)
{
    private int _offset = offset;

    public uint UInt32()
    {
        if (buffer.Length - _offset < 4) throw garbled("truncated number");
        var value = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(_offset));
        _offset += 4;
        return value;
    }

    public byte[] Bytes()
    {
        var length = UInt32();
        if (length > (uint)(buffer.Length - _offset)) throw garbled("truncated string");
        var value = buffer.AsSpan(_offset, (int)length).ToArray();
        _offset += (int)length;
        return value;
    }
}
