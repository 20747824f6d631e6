using System.Globalization;
using System.Text;
using System.Text.Json;
using ZoneLab.Allocator;

namespace ZoneLab.Explain;

/// <summary>Renders <see cref="FailureVerdict"/>s as the <c>zonelab explain</c> JSON contract or as text.</summary>
public static class FailureVerdictWriter
{
    /// <summary>
    /// <c>{"reports":[{"line":L,"order":N,"gfp_flags":"...","zones":[{"node":0,"zone":"Normal","watermark_ok":false,
    /// "free_pages":F,"min":M,"lowmem_reserve":R,...}],...}]}</c>; pages are dumped kB / page size.
    /// </summary>
    public static string ToJson(IReadOnlyList<FailureVerdict> verdicts, string file)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("file", file);
            w.WriteStartArray("reports");
            foreach (FailureVerdict v in verdicts)
            {
                WriteReport(w, v);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void WriteReport(Utf8JsonWriter w, FailureVerdict v)
    {
        var r = v.Report;
        w.WriteStartObject();
        w.WriteNumber("line", r.Line);
        w.WriteString("comm", r.Comm);
        w.WriteNumber("order", r.Order);
        w.WriteString("gfp_flags", r.FlagNames ?? $"0x{r.Mode:x}");
        w.WriteString("mode", $"0x{r.Mode:x}");
        w.WriteString("kernel", $"{v.Version / 100}.{v.Version % 100}");
        w.WriteString("kernel_release", r.Release);
        w.WriteString("kernel_source", v.VersionSource);
        w.WriteString("arch", v.Arch);
        w.WriteString("highest_zone", v.Layout.Names[v.HighestZoneIdx]);
        w.WriteNumber("highest_zoneidx", v.HighestZoneIdx);
        w.WriteStartArray("alloc_flags");
        foreach (string flag in ReportAllocFlagNames.Names(v.AllocFlags, v.Version))
        {
            w.WriteStringValue(flag);
        }
        w.WriteEndArray();
        w.WriteString("class", ClassName(v.Class));
        w.WriteString("summary", v.Summary);
        w.WriteString("slow_path", v.SlowPath);
        w.WriteString("cut_short", r.CutShort);
        w.WriteStartArray("zones");
        foreach (ZoneVerdict z in v.Zones)
        {
            w.WriteStartObject();
            w.WriteNumber("node", z.Zone.Node);
            w.WriteString("zone", z.Zone.Name);
            w.WriteBoolean("watermark_ok", z.WatermarkOk);
            w.WriteBoolean("rmqueue_ok", z.RmqueueOk);
            w.WriteNumber("free_pages", z.FreePages);
            w.WriteNumber("min", z.Min);
            w.WriteNumber("lowmem_reserve", z.LowmemReserve);
            w.WriteNumber("mark", z.Mark);
            w.WriteNumber("effective_min", z.EffectiveMin);
            w.WriteNumber("free_cma", z.FreeCma);
            w.WriteNumber("reserved_highatomic", z.ReservedHighatomic);
            w.WriteNumber("unusable", z.Unusable);
            w.WriteNumber("usable_free", z.UsableFree);
            w.WriteString("fails", z.Fails);
            w.WriteNumber("short_pages", z.ShortPages);
            w.WriteNumber("largest_usable_order", z.LargestUsableOrder);
            w.WriteNumber("largest_free_order", z.LargestFreeOrder);
            w.WriteString("blocker", z.Blocker);
            w.WriteString("reason", z.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("what_if");
        w.WriteStartArray("designs");
        foreach ((string design, bool mayUse, string outcome) in v.WhatIf.Designs)
        {
            w.WriteStartObject();
            w.WriteString("design", design);
            w.WriteBoolean("may_use_movable_only", mayUse);
            w.WriteString("outcome", outcome);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("min_free_kbytes", v.WhatIf.MinFreeKbytes);
        w.WriteString("watermark_scale_factor", v.WhatIf.WatermarkScaleFactor);
        if (v.WhatIf.WatermarkScaleFactorNeeded is long f)
        {
            w.WriteNumber("watermark_scale_factor_needed", f);
        }
        else
        {
            w.WriteNull("watermark_scale_factor_needed");
        }
        if (v.WhatIf.MorePagesNeeded is long m)
        {
            w.WriteNumber("more_free_pages", m);
        }
        else
        {
            w.WriteNull("more_free_pages");
        }
        if (v.WhatIf.OfOrderAtLeast is int o)
        {
            w.WriteNumber("of_order_at_least", o);
        }
        else
        {
            w.WriteNull("of_order_at_least");
        }
        w.WriteString("in_zone", v.WhatIf.InZone);
        w.WriteEndObject();
        w.WriteStartArray("notes");
        foreach (string n in v.Notes)
        {
            w.WriteStringValue(n);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The class as the JSON and text print it.</summary>
    public static string ClassName(FailureClass c) => c switch
    {
        FailureClass.PassesOnDump => "passes on the dumped numbers",
        FailureClass.NotEnoughFreeMemory => "not enough free memory",
        FailureClass.FreeMemoryNotUsable => "free memory the request may not use",
        FailureClass.NoFreeBlockOfOrder => "no free block of that order",
        FailureClass.NoEligibleZone => "no eligible zone",
        FailureClass.ReportCutShort => "report cut short",
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, "unknown failure class"),
    };

    /// <summary>Human-readable text of all verdicts.</summary>
    public static string ToText(IReadOnlyList<FailureVerdict> verdicts, string file)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (verdicts.Count == 0)
        {
            sb.Append(ci, $"{file}: no page allocation failure report found\n");
            return sb.ToString();
        }
        sb.Append(ci, $"{file}: {verdicts.Count} page allocation failure report{(verdicts.Count == 1 ? "" : "s")}\n");
        foreach (FailureVerdict v in verdicts)
        {
            var r = v.Report;
            sb.Append('\n');
            // kernels before v4.5 print the hex mask only: name its bits as the replay decoded them (ReportGfp.Decode)
            string flags = r.FlagNames ?? GfpTable.NamesV4_4(r.Mode);
            string how = r.FlagNames is null ? ", names from the v4.4-v4.9 bit layout" : "";
            sb.Append(ci, $"line {r.Line}: {r.Comm}: order {r.Order}, {flags} (mode 0x{r.Mode:x}{how})\n");
            sb.Append(ci, $"  kernel {v.Version / 100}.{v.Version % 100} ({(v.VersionSource == "dump" ? r.Release : v.VersionSource)}), arch {v.Arch ?? "unknown"}, zones {string.Join(" ", v.Layout.Names)}\n");
            sb.Append(ci, $"  gfp_zone: {v.Layout.Names[v.HighestZoneIdx]} (highest_zoneidx {v.HighestZoneIdx}); alloc_flags {string.Join("|", ReportAllocFlagNames.Names(v.AllocFlags, v.Version))}\n");
            sb.Append(ci, $"  slow path: {v.SlowPath}\n");
            foreach (ZoneVerdict z in v.Zones)
            {
                sb.Append(ci, $"  node {z.Zone.Node} {z.Zone.Name,-7} {(z.Passes ? "ok  " : "FAIL")} {z.Reason}\n");
            }
            sb.Append(ci, $"  verdict: {ClassName(v.Class)}: {v.Summary}\n");
            // a report cut before its zone lines has no numbers to ask "what if" of
            if (v.Class != FailureClass.ReportCutShort)
            {
                sb.Append("  what if:\n");
                foreach ((string design, bool mayUse, string outcome) in v.WhatIf.Designs)
                {
                    sb.Append(ci, $"    {design,-15} movable-only memory {(mayUse ? "usable" : "not usable")}: {outcome}\n");
                }
                sb.Append(ci, $"    min_free_kbytes: {v.WhatIf.MinFreeKbytes}\n");
                sb.Append(ci, $"    watermark_scale_factor: {v.WhatIf.WatermarkScaleFactor}\n");
                // 0 means a zone passes on the dumped numbers already (the min_free_kbytes line says so): no zone to name
                if (v.WhatIf.MorePagesNeeded is long m && m > 0)
                {
                    sb.Append(ci, $"    passes with {m} more free pages in {v.WhatIf.InZone}{(v.WhatIf.OfOrderAtLeast is int o ? $", one block of order >= {o} among them" : "")}\n");
                }
            }
            foreach (string n in v.Notes)
            {
                sb.Append(ci, $"  note: {n}\n");
            }
        }
        return sb.ToString();
    }
}
