using System.Buffers.Binary;

namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// The header of a flattened device tree blob (Devicetree Specification v0.4 §5.2, <c>struct fdt_header</c> in
/// scripts/dtc/libfdt/fdt.h): ten big-endian 32-bit words. Validated as libfdt's <c>fdt_check_header()</c> does.
/// </summary>
public sealed record FdtHeader(
    uint Magic,
    uint TotalSize,
    uint OffDtStruct,
    uint OffDtStrings,
    uint OffMemRsvmap,
    uint Version,
    uint LastCompVersion,
    uint BootCpuidPhys,
    uint SizeDtStrings,
    uint SizeDtStruct)
{
    /// <summary>FDT_MAGIC.</summary>
    public const uint FdtMagic = 0xd00dfeed;

    /// <summary>FDT_FIRSTSUPPORTED_VERSION in libfdt: blobs older than v2 are rejected.</summary>
    public const uint FirstSupportedVersion = 0x02;

    /// <summary>FDT_LAST_SUPPORTED_VERSION in libfdt (v17).</summary>
    public const uint LastSupportedVersion = 0x11;

    /// <summary>Size of a v17 header in bytes.</summary>
    public const int V17Size = 40;

    /// <summary>
    /// Reads and checks the header of <paramref name="blob"/> (mirrors fdt_check_header(): magic, versions, header
    /// size, totalsize within the file, block offsets within totalsize).
    /// </summary>
    public static FdtHeader Read(ReadOnlySpan<byte> blob, string source)
    {
        if (blob.Length < 8)
        {
            throw ZoneLabInputException.AtByteOffset(source, blob.Length, $"truncated header: the file has {blob.Length} bytes, a device tree blob starts with a {V17Size}-byte header");
        }
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (magic != FdtMagic)
        {
            throw ZoneLabInputException.AtByteOffset(source, 0, $"bad magic 0x{magic:x8}; expected 0x{FdtMagic:x8} (a flattened device tree blob, .dtb)");
        }
        if (blob.Length < 28)
        {
            throw ZoneLabInputException.AtByteOffset(source, blob.Length, "truncated header: the version fields are missing");
        }
        uint version = BinaryPrimitives.ReadUInt32BigEndian(blob[20..]);
        uint lastComp = BinaryPrimitives.ReadUInt32BigEndian(blob[24..]);
        if (version < FirstSupportedVersion)
        {
            throw ZoneLabInputException.AtByteOffset(source, 20, $"version {version} is older than the oldest supported ({FirstSupportedVersion})");
        }
        if (lastComp > LastSupportedVersion)
        {
            throw ZoneLabInputException.AtByteOffset(source, 24, $"last_comp_version {lastComp} is newer than the newest supported ({LastSupportedVersion})");
        }
        int headerSize = version >= 17 ? 40 : version >= 3 ? 36 : version >= 2 ? 32 : 28;
        if (blob.Length < headerSize)
        {
            throw ZoneLabInputException.AtByteOffset(source, blob.Length, $"truncated header: a version {version} header has {headerSize} bytes, the file {blob.Length}");
        }
        var w = new uint[10];
        for (int i = 0; i * 4 < headerSize; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(blob[(i * 4)..]);
        }
        var h = new FdtHeader(magic, w[1], w[2], w[3], w[4], version, lastComp, w[7], w[8], w[9]);

        if (h.TotalSize < headerSize)
        {
            throw ZoneLabInputException.AtByteOffset(source, 4, $"totalsize {h.TotalSize} is smaller than the header ({headerSize} bytes)");
        }
        if (h.TotalSize > (uint)blob.Length)
        {
            throw ZoneLabInputException.AtByteOffset(source, blob.Length, $"truncated blob: the header's totalsize is {h.TotalSize} bytes, the file has {blob.Length}");
        }
        CheckBlock(source, 16, "mem_rsvmap", h.OffMemRsvmap, 0, headerSize, h.TotalSize);
        CheckBlock(source, 8, "structure block", h.OffDtStruct, version >= 17 ? h.SizeDtStruct : 0, headerSize, h.TotalSize);
        CheckBlock(source, 12, "strings block", h.OffDtStrings, h.SizeDtStrings, headerSize, h.TotalSize);
        if (h.OffMemRsvmap % 8 != 0)
        {
            throw ZoneLabInputException.AtByteOffset(source, 16, $"off_mem_rsvmap 0x{h.OffMemRsvmap:x} is not 8-byte aligned");
        }
        if (h.OffDtStruct % 4 != 0)
        {
            throw ZoneLabInputException.AtByteOffset(source, 8, $"off_dt_struct 0x{h.OffDtStruct:x} is not 4-byte aligned");
        }
        return h;
    }

    // mirrors check_block_() in libfdt's fdt.c: [base, base + size) inside [hdrsize, totalsize].
    private static void CheckBlock(string source, int field, string what, uint offset, uint size, int headerSize, uint totalSize)
    {
        if (offset < (uint)headerSize || offset > totalSize)
        {
            throw ZoneLabInputException.AtByteOffset(source, field, $"{what} offset 0x{offset:x} lies outside the blob (header {headerSize} bytes, totalsize {totalSize})");
        }
        if ((ulong)offset + size > totalSize)
        {
            throw ZoneLabInputException.AtByteOffset(source, field, $"{what} [0x{offset:x}, +{size}) runs past totalsize {totalSize}");
        }
    }

    /// <summary>End of the structure block: its size is known from v17 on, otherwise the blob's end bounds it.</summary>
    public uint StructEnd => Version >= 17 ? OffDtStruct + SizeDtStruct : TotalSize;

    /// <summary>End of the strings block (v3+), otherwise totalsize.</summary>
    public uint StringsEnd => Version >= 3 ? OffDtStrings + SizeDtStrings : TotalSize;
}
