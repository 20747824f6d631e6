using System.Text;
using System.Text.Json;
using ZoneLab.Layout;

namespace ZoneLab.Procfs;

/// <summary>
/// The layout as JSON:
/// <c>{"arch":..,"nodes":[{"nid","start_pfn","end_pfn","zones":[{"name","start_pfn","spanned","present","managed"}]}],
/// "movable_zone_start_pfn":{"0":N},"memory_blocks":[{"index","node","valid_zones"}],
/// "cma_areas":[{"name","node","zone","base_pfn","count"}]}</c> plus extra fields.
/// </summary>
public static class LayoutJsonWriter
{
    /// <summary>Serializes the layout (indented when <paramref name="indented"/>).</summary>
    public static string Write(BootLayout layout, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("arch", layout.Arch);
            w.WriteString("cmdline", layout.CommandLine.Text);
            w.WriteNumber("total_pages", layout.TotalPages);
            w.WriteString("movable_zone", ZoneTypes.Name(layout.MovableZone));
            w.WriteStartArray("nodes");
            foreach (NodeLayout n in layout.Nodes)
            {
                w.WriteStartObject();
                w.WriteNumber("nid", n.Nid);
                w.WriteNumber("start_pfn", n.StartPfn);
                w.WriteNumber("end_pfn", n.EndPfn);
                w.WriteNumber("present", n.PresentPages);
                w.WriteStartArray("zones");
                foreach (ZoneLayout z in n.Zones)
                {
                    w.WriteStartObject();
                    w.WriteString("name", z.Name);
                    w.WriteNumber("start_pfn", z.StartPfn);
                    w.WriteNumber("spanned", z.Spanned);
                    w.WriteNumber("present", z.Present);
                    w.WriteNumber("managed", z.Managed);
                    w.WriteBoolean("managed_is_real", z.ManagedIsReal);
                    w.WriteNumber("cma", z.CmaPages);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("memory_ranges");
                foreach (PfnRange r in n.MemoryRanges)
                {
                    w.WriteStartObject();
                    w.WriteNumber("start_pfn", r.Start);
                    w.WriteNumber("end_pfn", r.End);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("movable_zone_start_pfn");
            foreach (KeyValuePair<int, ulong> kv in layout.ZoneMovablePfn.OrderBy(k => k.Key))
            {
                if (kv.Value != 0)
                {
                    w.WriteNumber(kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Value);
                }
            }
            w.WriteEndObject();
            w.WriteNumber("memory_block_size", layout.MemoryBlockSize);
            w.WriteStartArray("memory_blocks");
            foreach (MemoryBlock b in layout.MemoryBlocks)
            {
                w.WriteStartObject();
                w.WriteNumber("index", b.Index);
                w.WriteNumber("node", b.Node);
                w.WriteString("valid_zones", b.ValidZones);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("cma_areas");
            foreach (Contiguous.CmaArea a in layout.CmaAreas)
            {
                // name as in /sys/kernel/debug/cma/<name>, count as debugfs "count" (0 when not activated)
                w.WriteStartObject();
                w.WriteString("name", a.Name);
                if (a.Node is int nid)
                {
                    w.WriteNumber("node", nid);
                }
                else
                {
                    w.WriteNull("node");
                }
                if (a.Zone is ZoneType zt)
                {
                    w.WriteString("zone", ZoneTypes.Name(zt));
                }
                else
                {
                    w.WriteNull("zone");
                }
                w.WriteNumber("base_pfn", a.BasePfn);
                w.WriteNumber("count", a.Count);
                w.WriteNumber("reserved_pages", a.DeclaredPages);
                w.WriteBoolean("activated", a.Activated == true);
                w.WriteNumber("order_per_bit", a.OrderPerBit);
                w.WriteString("kind", a.Kind switch
                {
                    Contiguous.CmaAreaKind.DmaDefault => "default",
                    Contiguous.CmaAreaKind.DeviceTree => "device-tree",
                    Contiguous.CmaAreaKind.PerNuma => "pernuma",
                    _ => "hugetlb",
                });
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (layout.ReservedMemory.Count > 0)
            {
                w.WriteStartArray("reserved_memory");
                foreach (Layout.DeviceTree.ReservedMemoryRegion r in layout.ReservedMemory)
                {
                    w.WriteStartObject();
                    w.WriteString("name", r.Name);
                    w.WriteNumber("base", r.Base);
                    w.WriteNumber("size", r.Size);
                    w.WriteBoolean("no_map", r.NoMap);
                    w.WriteBoolean("dynamic", r.Dynamic);
                    w.WriteString("outcome", r.Outcome.ToString().ToLowerInvariant());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (layout.Config != null)
            {
                w.WriteString("kernel_config", layout.Config.Name);
            }
            w.WriteStartArray("kernel_messages");
            foreach ((BootPhase _, string text) in layout.Log.Lines)
            {
                w.WriteStringValue(text);
            }
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (string s in layout.Warnings)
            {
                w.WriteStringValue(s);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
