using Spectre.Console;
using ZoneLab.Layout;

namespace ZoneLab.Cli;

/// <summary>The readable table of <c>zonelab layout --format text</c>.</summary>
internal static class LayoutTextView
{
    public static void Render(BootLayout layout, ZoneLab.Designs.DesignKind design = ZoneLab.Designs.DesignKind.MigrateCma)
    {
        IAnsiConsole console = ConsoleFactory.Create();
        console.MarkupLine($"[bold]{layout.Arch}[/]  cmdline: [grey]{Markup.Escape(layout.CommandLine.Text)}[/]");
        // the header says where ZONE_MOVABLE comes from only when some node has one (the lines below say which)
        bool movable = layout.AllZones.Any(z => z.Type == ZoneType.Movable && z.Present > 0);
        string movableText = movable ? $"ZONE_MOVABLE carved from {ZoneTypes.Name(layout.MovableZone)}" : "no ZONE_MOVABLE";
        console.MarkupLine($"total {layout.TotalPages:N0} pages ({Mib(layout.TotalPages)}), {movableText}, memory block {layout.MemoryBlockSize >> 20} MiB");
        var rows = new List<string[]>();
        foreach (NodeLayout n in layout.Nodes)
        {
            foreach (ZoneLayout z in n.Zones)
            {
                string managed = z.Managed.ToString("N0") + (z.ManagedIsReal || z.Present == 0 ? string.Empty : " ~");
                rows.Add([n.Nid.ToString(), z.Name, $"0x{z.StartPfn:x}", $"0x{z.EndPfn:x}", z.Spanned.ToString("N0"), z.Present.ToString("N0"), managed, z.CmaPages.ToString("N0"), Mib(z.Present)]);
            }
        }
        FittedTable.Write(console, null, ["node", "zone", "start_pfn", "end_pfn", "spanned", "present", "managed", "cma", "size"], rows, TableBorder.Rounded);
        foreach (KeyValuePair<int, ulong> kv in layout.ZoneMovablePfn.OrderBy(k => k.Key))
        {
            ulong movablePresent = layout.Node(kv.Key)?.Zone(ZoneType.Movable)?.Present ?? 0;
            console.MarkupLine(kv.Value != 0
                ? $"node {kv.Key}: ZONE_MOVABLE starts at pfn 0x{kv.Value:x} (0x{kv.Value << Page.Shift:x})"
                : movablePresent > 0
                    ? MovableZoneFooter.Describe(layout, design, kv.Key, movablePresent)
                    : $"node {kv.Key}: no ZONE_MOVABLE");
        }
        var groups = new List<(string Zones, int Node, ulong First, ulong Last)>();
        foreach (MemoryBlock b in layout.MemoryBlocks)
        {
            if (groups.Count > 0 && groups[^1].Zones == b.ValidZones && groups[^1].Node == b.Node && groups[^1].Last + 1 == b.Index)
            {
                groups[^1] = groups[^1] with { Last = b.Index };
            }
            else
            {
                groups.Add((b.ValidZones, b.Node, b.Index, b.Index));
            }
        }
        console.MarkupLine($"memory blocks ({layout.MemoryBlocks.Count}):");
        foreach (var g in groups)
        {
            string range = g.First == g.Last ? $"memory{g.First}" : $"memory{g.First}-{g.Last}";
            console.MarkupLine($"  {range,-16} node {g.Node}  valid_zones={g.Zones}");
        }
        if (layout.CmaAreas.Count > 0)
        {
            console.MarkupLine($"CMA areas ({layout.CmaAreas.Count}):");
            foreach (ZoneLab.Layout.CmaArea a in layout.CmaAreas)
            {
                string where = a.Activated == true
                    ? $"node {a.Node} zone {ZoneTypes.Name(a.Zone!.Value)}"
                    : "[red]not activated[/] (spans two zones; pages given to the buddy allocator)";
                console.MarkupLine($"  {Markup.Escape(a.Name),-12} base 0x{a.Base:x} (pfn 0x{a.BasePfn:x})  {a.Size >> 20} MiB  {where}");
            }
        }
        foreach (ZoneLab.Layout.DeviceTree.ReservedMemoryRegion r in layout.ReservedMemory)
        {
            console.MarkupLine($"  reserved-memory {Markup.Escape(r.Name),-20} 0x{r.Base:x}+{r.Size >> 20} MiB{(r.NoMap ? " no-map" : string.Empty)}  {r.Outcome.ToString().ToLowerInvariant()}");
        }
        if (layout.AllZones.Any(z => !z.ManagedIsReal && z.Present > 0))
        {
            console.MarkupLine("[grey]~ managed is an estimate (see docs/managed-estimate.md); --zoneinfo FILE gives real counts[/]");
        }
    }

    private static string Mib(ulong pages) => $"{(pages << Page.Shift) / (1024.0 * 1024.0):0.#} MiB";
}
