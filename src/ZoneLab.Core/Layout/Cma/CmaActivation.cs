namespace ZoneLab.Layout;

/// <summary>
/// core_initcall(cma_init_reserved_areas) → cma_activate_area() (mm/cma.c, 6.1): an area whose pages are not all
/// in one zone (<c>page_zone(pfn_to_page(pfn)) != zone</c> for some pfn, later kernels' pfn_range_intersects_zones())
/// is not activated: its pages are freed to the buddy allocator as ordinary memory, <c>cma-&gt;count</c> becomes 0 and
/// the kernel prints "CMA area NAME could not be activated". Activated areas add their pages to the zone's
/// <c>cma_pages</c>; both kinds stay in managed pages.
/// </summary>
public static class CmaActivation
{
    /// <summary>Activates the areas of <paramref name="layout"/> in declaration order.</summary>
    public static void ActivateAll(BootLayout layout, BootLog log)
    {
        BootPhase saved = log.Phase;
        log.Phase = BootPhase.Initcall;
        foreach (CmaArea area in layout.CmaAreas)
        {
            Activate(area, layout, log);
        }
        log.Phase = saved;
    }

    /// <summary>The zone whose span on its node holds <paramref name="pfn"/> (what page_zone() returns), or null.</summary>
    public static ZoneLayout? ZoneOfPfn(BootLayout layout, ulong pfn)
    {
        foreach (NodeLayout n in layout.Nodes)
        {
            if (pfn < n.StartPfn || pfn >= n.EndPfn)
            {
                continue;
            }
            foreach (ZoneLayout z in n.Zones)
            {
                if (z.Spanned > 0 && pfn >= z.StartPfn && pfn < z.EndPfn)
                {
                    return z;
                }
            }
        }
        return null;
    }

    private static void Activate(CmaArea area, BootLayout layout, BootLog log)
    {
        ZoneLayout? first = ZoneOfPfn(layout, area.BasePfn);
        ZoneLayout? last = ZoneOfPfn(layout, area.BasePfn + area.DeclaredPages - 1);
        // every pfn between base and end lies in one zone span exactly when the first and last do (spans are contiguous)
        bool oneZone = first != null && ReferenceEquals(first, last);
        area.Node = first?.Nid;
        if (!oneZone)
        {
            area.Activated = false;
            log.Print($"cma: CMA area {area.Name} could not be activated");
            return;
        }
        area.Activated = true;
        area.Zone = first!.Type;
        first.CmaPages += area.DeclaredPages;
    }
}
