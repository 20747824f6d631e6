using System.Text;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// Prints /sys/devices/system/memory at boot, one line per block as the project's oracle guest dumps it:
/// <c>memory12 phys_index=0x0000000c state=online node=0 valid_zones=DMA32</c>.
/// </summary>
public static class MemoryBlocksWriter
{
    /// <summary>Writes block_size_bytes and one line per block.</summary>
    public static string Write(BootLayout layout)
    {
        var sb = new StringBuilder();
        sb.Append($"block_size_bytes=0x{layout.MemoryBlockSize:x}\n");
        foreach (MemoryBlock b in layout.MemoryBlocks)
        {
            sb.Append($"memory{b.Index} phys_index=0x{b.Index:x8} state=online node={b.Node} valid_zones={b.ValidZones}\n");
        }
        return sb.ToString();
    }
}
