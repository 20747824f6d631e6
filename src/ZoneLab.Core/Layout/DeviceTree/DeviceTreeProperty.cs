using System.Buffers.Binary;
using System.Text;

namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// One property of a device tree node: its name and raw big-endian value, and where the value sits in the source
/// file (for messages). Helpers decode the value the way the kernel's <c>of_*</c> accessors do.
/// </summary>
public sealed class DeviceTreeProperty
{
    public DeviceTreeProperty(string name, byte[] value, long offset)
    {
        Name = name;
        Value = value;
        Offset = offset;
    }

    /// <summary>Property name.</summary>
    public string Name { get; }

    /// <summary>Raw value (empty for a boolean property such as <c>reusable</c>).</summary>
    public byte[] Value { get; }

    /// <summary>Byte offset of the value in the blob (or -1 for a property read from a directory).</summary>
    public long Offset { get; }

    /// <summary>Length of the value in bytes.</summary>
    public int Length => Value.Length;

    /// <summary>Number of whole 32-bit cells in the value.</summary>
    public int CellCount => Value.Length / 4;

    /// <summary>The 32-bit cell at <paramref name="index"/> (big-endian), or null past the end.</summary>
    public uint? Cell(int index)
    {
        if (index < 0 || (long)index * 4 + 4 > Value.Length)
        {
            return null;
        }
        return BinaryPrimitives.ReadUInt32BigEndian(Value.AsSpan(index * 4));
    }

    /// <summary>
    /// mirrors of_read_number(cell, size): <paramref name="count"/> cells from <paramref name="index"/> as one number;
    /// more than two cells keep the low 64 bits, as the kernel's shift loop does.
    /// </summary>
    public ulong ReadNumber(int index, int count)
    {
        ulong r = 0;
        for (int i = 0; i < count; i++)
        {
            r = unchecked((r << 32) | (Cell(index + i) ?? 0));
        }
        return r;
    }

    /// <summary>of_property_read_u32(): the first cell, or null when the value is shorter than 4 bytes.</summary>
    public uint? AsU32() => Cell(0);

    /// <summary>The value as a NUL-terminated string (the first string of a list), or null when there is no NUL.</summary>
    public string? AsString()
    {
        int nul = Array.IndexOf(Value, (byte)0);
        return nul < 0 ? null : Encoding.UTF8.GetString(Value, 0, nul);
    }

    /// <summary>All NUL-terminated strings of a string-list value (e.g. <c>compatible</c>); an unterminated tail is dropped.</summary>
    public IReadOnlyList<string> AsStringList()
    {
        var list = new List<string>();
        int start = 0;
        for (int i = 0; i < Value.Length; i++)
        {
            if (Value[i] == 0)
            {
                list.Add(Encoding.UTF8.GetString(Value, start, i - start));
                start = i + 1;
            }
        }
        return list;
    }

    public override string ToString() => $"{Name} ({Length} bytes)";
}
