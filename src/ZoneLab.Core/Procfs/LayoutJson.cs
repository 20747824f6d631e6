using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using ZoneLab.Layout;
using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Procfs;

/// <summary>
/// The document <c>zonelab layout --format json</c> prints (<see cref="LayoutJsonWriter"/>): plain values taken from a
/// <see cref="BootLayout"/>, in the order they are written. <c>reserved_memory</c> and <c>kernel_config</c> are left
/// out when the layout has none; a CMA area not yet placed in a node or zone has <c>null</c> there.
/// </summary>
public sealed record LayoutJson(
    string Arch,
    string Cmdline,
    ulong TotalPages,
    string MovableZone,
    IReadOnlyList<LayoutJson.Node> Nodes,
    SortedDictionary<string, ulong> MovableZoneStartPfn,
    ulong MemoryBlockSize,
    IReadOnlyList<LayoutJson.Block> MemoryBlocks,
    IReadOnlyList<LayoutJson.Cma> CmaAreas,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<LayoutJson.Reserved>? ReservedMemory,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KernelConfig,
    IReadOnlyList<string> KernelMessages,
    IReadOnlyList<string> Warnings)
{
    /// <summary>A node: its pfn span, present pages, zones and memory ranges.</summary>
    public sealed record Node(int Nid, ulong StartPfn, ulong EndPfn, ulong Present, IReadOnlyList<Zone> Zones, IReadOnlyList<Range> MemoryRanges);

    /// <summary>A zone as <c>/proc/zoneinfo</c> counts it.</summary>
    public sealed record Zone(string Name, ulong StartPfn, ulong Spanned, ulong Present, ulong Managed, bool ManagedIsReal, ulong Cma);

    /// <summary>A pfn range [start, end).</summary>
    public sealed record Range(ulong StartPfn, ulong EndPfn);

    /// <summary>A memory block (<c>/sys/devices/system/memory/memoryN</c>).</summary>
    public sealed record Block(ulong Index, int Node, string ValidZones);

    /// <summary>A CMA area: name as in <c>/sys/kernel/debug/cma/&lt;name&gt;</c>, count as debugfs <c>count</c> (0 when not activated).</summary>
    public sealed record Cma(string Name, int? Node, string? Zone, ulong BasePfn, ulong Count, ulong ReservedPages, bool Activated, int OrderPerBit, string Kind);

    /// <summary>A <c>/reserved-memory</c> region and what early boot did with it.</summary>
    public sealed record Reserved(string Name, ulong Base, ulong Size, bool NoMap, bool Dynamic, string Outcome);

    /// <summary>The document of <paramref name="layout"/>.</summary>
    public static LayoutJson From(BootLayout layout)
    {
        var movable = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        foreach (KeyValuePair<int, ulong> kv in layout.ZoneMovablePfn.OrderBy(k => k.Key))
        {
            if (kv.Value != 0)
            {
                movable[kv.Key.ToString(CultureInfo.InvariantCulture)] = kv.Value;
            }
        }
        return new LayoutJson(
            layout.Arch,
            layout.CommandLine.Text,
            layout.TotalPages,
            ZoneTypes.Name(layout.MovableZone),
            layout.Nodes.Select(n => new Node(
                n.Nid, n.StartPfn, n.EndPfn, n.PresentPages,
                n.Zones.Select(z => new Zone(z.Name, z.StartPfn, z.Spanned, z.Present, z.Managed, z.ManagedIsReal, z.CmaPages)).ToList(),
                n.MemoryRanges.Select(r => new Range(r.Start, r.End)).ToList())).ToList(),
            movable,
            layout.MemoryBlockSize,
            layout.MemoryBlocks.Select(b => new Block(b.Index, b.Node, b.ValidZones)).ToList(),
            layout.CmaAreas.Select(a => new Cma(
                a.Name, a.Node, a.Zone is ZoneType zt ? ZoneTypes.Name(zt) : null, a.BasePfn, a.Count, a.DeclaredPages,
                a.Activated == true, a.OrderPerBit, KindName(a.Kind))).ToList(),
            layout.ReservedMemory.Count > 0
                ? layout.ReservedMemory.Select(r => new Reserved(r.Name, r.Base, r.Size, r.NoMap, r.Dynamic, r.Outcome.ToString().ToLowerInvariant())).ToList()
                : null,
            layout.Config?.Name,
            layout.Log.Lines.Select(l => l.Text).ToList(),
            layout.Warnings.ToList());
    }

    private static string KindName(CmaAreaKind k) => k switch
    {
        CmaAreaKind.DmaDefault => "default",
        CmaAreaKind.DeviceTree => "device-tree",
        CmaAreaKind.PerNuma => "pernuma",
        CmaAreaKind.Hugetlb => "hugetlb",
        _ => throw new UnreachableException($"CMA area kind {k} has no JSON name"),
    };
}
