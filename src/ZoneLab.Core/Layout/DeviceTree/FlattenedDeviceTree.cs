using System.Buffers.Binary;
using System.Text;

namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// A device tree read from a flattened device tree blob (FDT versions 2-17, the <c>.dtb</c> format of
/// Devicetree Specification v0.4 ch. 5): header, memory reservation block, structure block (nodes and
/// properties) and strings block. Any malformation raises <see cref="ZoneLabInputException"/> with the file, the
/// byte offset and what was expected; no other exception escapes for any input.
/// </summary>
public sealed class FlattenedDeviceTree
{
    /// <summary>FDT_BEGIN_NODE.</summary>
    public const uint TokenBeginNode = 0x1;

    /// <summary>FDT_END_NODE.</summary>
    public const uint TokenEndNode = 0x2;

    /// <summary>FDT_PROP.</summary>
    public const uint TokenProp = 0x3;

    /// <summary>FDT_NOP.</summary>
    public const uint TokenNop = 0x4;

    /// <summary>FDT_END.</summary>
    public const uint TokenEnd = 0x9;

    /// <summary>FDT_MAX_DEPTH (drivers/of/fdt.c): the kernel's unflattening gives up deeper than this.</summary>
    public const int MaxDepth = 64;

    private FlattenedDeviceTree(string source, FdtHeader header, IReadOnlyList<FdtReserveEntry> reserve, DeviceTreeNode root)
    {
        Source = source;
        Header = header;
        MemoryReservations = reserve;
        Root = root;
    }

    /// <summary>File name (for messages).</summary>
    public string Source { get; }

    /// <summary>The blob header.</summary>
    public FdtHeader Header { get; }

    /// <summary>The memory reservation block (<c>/memreserve/</c> entries), without the terminating zero entry.</summary>
    public IReadOnlyList<FdtReserveEntry> MemoryReservations { get; }

    /// <summary>The root node.</summary>
    public DeviceTreeNode Root { get; }

    /// <summary>
    /// A tree read from a <c>/proc/device-tree</c>-style directory (a directory per node, a file per property);
    /// the header is synthesized with the size the blob would have.
    /// </summary>
    public static FlattenedDeviceTree FromNodes(string source, DeviceTreeNode root, IReadOnlyList<FdtReserveEntry> reserve, uint blobSize) =>
        new(source, new FdtHeader(FdtHeader.FdtMagic, blobSize, 0, 0, 0, 17, 16, 0, 0, 0), reserve, root);

    /// <summary>Reads a <c>.dtb</c> file, or a <c>/proc/device-tree</c>-style directory.</summary>
    public static FlattenedDeviceTree Load(string path)
    {
        if (Directory.Exists(path))
        {
            return DeviceTreeDirectory.Load(path);
        }
        return Parse(ReadBlob(path), Path.GetFileName(path));
    }

    // Reads the header first and then totalsize bytes: a file that never ends (/dev/zero) or claims more than the
    // kernel maps (MAX_FDT_SIZE, checked by arm64's fixmap_remap_fdt()) is refused before it is read.
    private static byte[] ReadBlob(string path)
    {
        string name = Path.GetFileName(path);
        using FileStream fs = InputFiles.OpenRead(path);
        try
        {
            byte[] header = new byte[FdtHeader.V17Size];
            int got = fs.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < 8 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header) != FdtHeader.FdtMagic)
            {
                FdtHeader.Read(header.AsSpan(0, got), name); // throws: truncated header or bad magic
            }
            uint total = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            if (total > Layout.KernelLimits.MaxFdtSize)
            {
                throw ZoneLabInputException.AtByteOffset(name, 4, $"totalsize {total} is larger than MAX_FDT_SIZE ({Layout.KernelLimits.MaxFdtSize} bytes), the most arm64's fixmap_remap_fdt() maps");
            }
            // the parser needs only totalsize bytes; a shorter file is reported by Parse as a truncated blob
            byte[] data = new byte[Math.Max(total, (uint)got)];
            header.AsSpan(0, got).CopyTo(data);
            int n = got + fs.ReadAtLeast(data.AsSpan(got), data.Length - got, throwOnEndOfStream: false);
            return n == data.Length ? data : data[..n];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(path, $"cannot read the device tree blob: {e.Message}");
        }
    }

    /// <summary>Parses a blob; <paramref name="source"/> names it in messages.</summary>
    public static FlattenedDeviceTree Parse(ReadOnlySpan<byte> blob, string source)
    {
        FdtHeader h = FdtHeader.Read(blob, source);
        IReadOnlyList<FdtReserveEntry> reserve = ReadReserveMap(blob, h, source);
        DeviceTreeNode root = ReadStructure(blob, h, source);
        return new FlattenedDeviceTree(source, h, reserve, root);
    }

    /// <summary>The node at an absolute path (<c>/reserved-memory</c>), matching names exactly, or null.</summary>
    public DeviceTreeNode? Find(string path)
    {
        DeviceTreeNode? n = Root;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            n = n.Child(part) ?? n.Children.FirstOrDefault(c => c.BaseName == part && !part.Contains('@'));
            if (n == null)
            {
                return null;
            }
        }
        return n;
    }

    // mirrors fdt_get_mem_rsv(): 16-byte (address, size) pairs up to a zero-size entry.
    private static List<FdtReserveEntry> ReadReserveMap(ReadOnlySpan<byte> blob, FdtHeader h, string source)
    {
        var list = new List<FdtReserveEntry>();
        long off = h.OffMemRsvmap;
        while (true)
        {
            if (off + 16 > h.TotalSize)
            {
                throw ZoneLabInputException.AtByteOffset(source, off, "memory reservation block has no terminating zero entry before the end of the blob");
            }
            ulong addr = BinaryPrimitives.ReadUInt64BigEndian(blob[(int)off..]);
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(blob[(int)(off + 8)..]);
            if (size == 0)
            {
                return list;
            }
            list.Add(new FdtReserveEntry(addr, size));
            off += 16;
        }
    }

    private static DeviceTreeNode ReadStructure(ReadOnlySpan<byte> blob, FdtHeader h, string source)
    {
        long pos = h.OffDtStruct;
        long end = h.StructEnd;
        DeviceTreeNode? root = null;
        DeviceTreeNode? current = null;
        int depth = 0;

        uint ReadWord(ReadOnlySpan<byte> b, long at, string what)
        {
            if (at + 4 > end)
            {
                throw ZoneLabInputException.AtByteOffset(source, at, $"structure block ends (at 0x{end:x}) inside {what}");
            }
            return BinaryPrimitives.ReadUInt32BigEndian(b[(int)at..]);
        }

        while (true)
        {
            long tokenAt = pos;
            uint token = ReadWord(blob, pos, root == null ? "the root node's FDT_BEGIN_NODE token" : "a token (missing FDT_END_NODE/FDT_END?)");
            pos += 4;
            switch (token)
            {
                case TokenBeginNode:
                    {
                        if (root != null && current == null)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, tokenAt, "a second root node; expected FDT_END after the root's FDT_END_NODE");
                        }
                        int nameEnd = IndexOfNul(blob, pos, end);
                        if (nameEnd < 0)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, pos, "node name is not NUL-terminated within the structure block");
                        }
                        string name = Encoding.UTF8.GetString(blob[(int)pos..nameEnd]);
                        if (root != null && name.Length == 0)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, pos, "a node below the root has an empty name");
                        }
                        var node = new DeviceTreeNode(name, current, tokenAt);
                        if (current == null)
                        {
                            root = node;
                        }
                        else
                        {
                            current.Add(node);
                        }
                        current = node;
                        depth++;
                        if (depth > MaxDepth)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, tokenAt, $"nodes nested deeper than {MaxDepth} (FDT_MAX_DEPTH); the kernel refuses to unflatten such a tree");
                        }
                        pos = Align4(nameEnd + 1L);
                        break;
                    }
                case TokenEndNode:
                    if (current == null)
                    {
                        throw ZoneLabInputException.AtByteOffset(source, tokenAt, "FDT_END_NODE without an open node");
                    }
                    current = current.Parent;
                    depth--;
                    break;
                case TokenProp:
                    {
                        if (current == null)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, tokenAt, root == null ? "FDT_PROP before the root node" : "FDT_PROP after the root node was closed");
                        }
                        uint len = ReadWord(blob, pos, "a property's length");
                        uint nameoff = ReadWord(blob, pos + 4, "a property's name offset");
                        long valueAt = pos + 8;
                        if (valueAt + len > end)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, pos, $"property value of {len} bytes runs past the end of the structure block (0x{end:x})");
                        }
                        string pname = ReadString(blob, h, nameoff, source, pos + 4);
                        if (current.Children.Count > 0)
                        {
                            throw ZoneLabInputException.AtByteOffset(source, tokenAt, $"property '{pname}' of {current.Path} follows a subnode; properties must come before subnodes (libfdt FDT_ERR_BADSTRUCTURE)");
                        }
                        current.Add(new DeviceTreeProperty(pname, blob[(int)valueAt..(int)(valueAt + len)].ToArray(), valueAt));
                        pos = Align4(valueAt + len);
                        break;
                    }
                case TokenNop:
                    break;
                case TokenEnd:
                    if (root == null)
                    {
                        throw ZoneLabInputException.AtByteOffset(source, tokenAt, "FDT_END before any node; expected the root node");
                    }
                    if (current != null)
                    {
                        throw ZoneLabInputException.AtByteOffset(source, tokenAt, $"FDT_END while node {current.Path} is still open; expected FDT_END_NODE");
                    }
                    return root;
                default:
                    throw ZoneLabInputException.AtByteOffset(source, tokenAt, $"bad token 0x{token:x8}; expected FDT_BEGIN_NODE (1), FDT_END_NODE (2), FDT_PROP (3), FDT_NOP (4) or FDT_END (9)");
            }
        }
    }

    // mirrors fdt_get_string(): a NUL-terminated name inside the strings block.
    private static string ReadString(ReadOnlySpan<byte> blob, FdtHeader h, uint nameoff, string source, long fieldAt)
    {
        long start = (long)h.OffDtStrings + nameoff;
        long end = h.StringsEnd;
        if (nameoff >= end - h.OffDtStrings)
        {
            throw ZoneLabInputException.AtByteOffset(source, fieldAt, $"property name offset {nameoff} is out of range (strings block has {end - h.OffDtStrings} bytes)");
        }
        int nul = IndexOfNul(blob, start, end);
        if (nul < 0)
        {
            throw ZoneLabInputException.AtByteOffset(source, start, "property name is not NUL-terminated within the strings block");
        }
        return Encoding.UTF8.GetString(blob[(int)start..nul]);
    }

    private static int IndexOfNul(ReadOnlySpan<byte> blob, long from, long end)
    {
        if (from >= end)
        {
            return -1;
        }
        int i = blob[(int)from..(int)end].IndexOf((byte)0);
        return i < 0 ? -1 : (int)from + i;
    }

    private static long Align4(long v) => (v + 3) & ~3L;
}
