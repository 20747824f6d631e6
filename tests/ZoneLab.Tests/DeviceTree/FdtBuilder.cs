using System.Buffers.Binary;
using System.Text;

namespace ZoneLab.Tests.DeviceTree;

/// <summary>
/// Writes small v17 blobs for tests, token by token as the Devicetree Specification lays them out, so tests can
/// build valid trees and corrupt exactly one field.
/// </summary>
internal sealed class FdtBuilder
{
    private readonly List<byte> _struct = new();
    private readonly List<byte> _strings = new();
    private readonly Dictionary<string, int> _stringOffsets = new();
    private readonly List<(ulong, ulong)> _reserve = new();

    public FdtBuilder Begin(string name)
    {
        Word(1);
        _struct.AddRange(Encoding.ASCII.GetBytes(name));
        _struct.Add(0);
        Pad();
        return this;
    }

    public FdtBuilder End()
    {
        Word(2);
        return this;
    }

    public FdtBuilder Prop(string name, params uint[] cells)
    {
        var v = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(v.AsSpan(i * 4), cells[i]);
        }
        return PropBytes(name, v);
    }

    public FdtBuilder PropString(string name, string value) => PropBytes(name, Encoding.ASCII.GetBytes(value + "\0"));

    public FdtBuilder PropBytes(string name, byte[] value)
    {
        Word(3);
        Word((uint)value.Length);
        Word((uint)StringOffset(name));
        _struct.AddRange(value);
        Pad();
        return this;
    }

    public FdtBuilder Reserve(ulong addr, ulong size)
    {
        _reserve.Add((addr, size));
        return this;
    }

    /// <summary>Offset of the structure block in the built blob (the header is 40 bytes, then the reserve map).</summary>
    public int StructOffset => 40 + (_reserve.Count + 1) * 16;

    public byte[] Build()
    {
        var s = new List<byte>(_struct);
        var w = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(w, 9);
        s.AddRange(w);
        int rsv = 40;
        int st = StructOffset;
        int str = st + s.Count;
        int total = str + _strings.Count;
        var blob = new byte[total];
        uint[] header = { 0xd00dfeed, (uint)total, (uint)st, (uint)str, (uint)rsv, 17, 16, 0, (uint)_strings.Count, (uint)s.Count };
        for (int i = 0; i < header.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(i * 4), header[i]);
        }
        int o = rsv;
        foreach ((ulong a, ulong z) in _reserve)
        {
            BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(o), a);
            BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(o + 8), z);
            o += 16;
        }
        s.CopyTo(blob, st);
        _strings.CopyTo(blob, str);
        return blob;
    }

    private int StringOffset(string name)
    {
        if (!_stringOffsets.TryGetValue(name, out int off))
        {
            off = _strings.Count;
            _strings.AddRange(Encoding.ASCII.GetBytes(name));
            _strings.Add(0);
            _stringOffsets[name] = off;
        }
        return off;
    }

    private void Word(uint v)
    {
        var w = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(w, v);
        _struct.AddRange(w);
    }

    private void Pad()
    {
        while (_struct.Count % 4 != 0)
        {
            _struct.Add(0);
        }
    }
}
