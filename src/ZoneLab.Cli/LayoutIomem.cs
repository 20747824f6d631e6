using ZoneLab.Designs;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary><c>zonelab layout --format iomem</c>: /proc/iomem of the design's kernel (the RAM resources).</summary>
internal static class LayoutIomem
{
    /// <summary>The file's text; what the model leaves out goes to standard error, one line each.</summary>
    public static string Write(BootLayout mainline, IDesign design)
    {
        // a carve-out is a no-map reserved-memory region; the DMB kernel marks its blocks MEMBLOCK_MOVABLE and keeps
        // them memblock-reserved; every other design reserves its areas as CMA does (memblock_reserve, never freed)
        IReadOnlyList<PfnRange> noMap = design.CarvesOut ? DesignZones.CmaRanges(mainline) : Array.Empty<PfnRange>();
        IReadOnlyList<PfnRange> dmbs = design.Features.DesignatedMovableBlocks ? DmbDesign.Blocks(mainline) : Array.Empty<PfnRange>();
        var notes = new List<string>();
        IomemResource root = IomemLayout.Build(mainline, noMap, dmbs, notes);
        foreach (string n in notes)
        {
            Console.Error.WriteLine($"zonelab: iomem: {n}");
        }
        return IomemWriter.Write(root);
    }
}
