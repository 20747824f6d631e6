using ZoneLab.Allocator;
using ZoneLab.Procfs;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>
/// What one zone must look like after seeding, from the snapshot: free blocks per migratetype and order (pagetypeinfo's
/// free lists, or buddyinfo's counts when pagetypeinfo is absent), pageblocks per migratetype (pagetypeinfo's census)
/// and the zone's LRU counters (zoneinfo). Built and cross-checked by <see cref="ForZone"/>.
/// </summary>
internal sealed class DeviceStateTargets
{
    private DeviceStateTargets(Zone zone, string source, int line)
    {
        Zone = zone;
        Source = source;
        Line = line;
    }

    public Zone Zone { get; }

    /// <summary>File and line the free counts come from (for errors about them).</summary>
    public string Source { get; }

    public int Line { get; }

    /// <summary>Free blocks [migratetype, order].</summary>
    public long[,] Free { get; } = new long[MigrateTypes.Count, Pageblock.NrOrders];

    /// <summary>Pageblocks per migratetype, or null when unknown (no pagetypeinfo: the boot types stay).</summary>
    public long[]? Blocks { get; private set; }

    /// <summary>Line of the census row.</summary>
    public int BlocksLine { get; private set; }

    /// <summary>The zone's zoneinfo section (LRU counters), or null.</summary>
    public ZoneinfoHeader? Zoneinfo { get; private set; }

    public long FreePages
    {
        get
        {
            long n = 0;
            for (int mt = 0; mt < MigrateTypes.Count; mt++)
            {
                for (int o = 0; o < Pageblock.NrOrders; o++)
                {
                    n += Free[mt, o] << o;
                }
            }

            return n;
        }
    }

    /// <summary>A zone counter from zoneinfo (0 when the kernel does not print it).</summary>
    public long ZoneStat(string name)
        => Zoneinfo != null && Zoneinfo.Fields.TryGetValue(name, out string? v) && long.TryParse(v, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long n) ? Math.Max(0, n) : 0;

    /// <summary>The targets of one populated zone of the machine; every disagreement between the files is an input error.</summary>
    public static DeviceStateTargets ForZone(DeviceSnapshot s, Machine m, Zone z, List<string> warnings)
    {
        string buddySource = s.PathOf("buddyinfo");
        BuddyinfoZone b = s.Buddyinfo.FirstOrDefault(x => x.Node == z.Node && x.Zone == z.Name)
            ?? throw new ZoneLabInputException(buddySource, $"no line for node {z.Node} zone {z.Name}, which the machine of the boot log has ({z.PresentPages} present pages): is the snapshot from this machine?");
        ZoneinfoHeader? zi = s.Zoneinfo.FirstOrDefault(x => x.Node == z.Node && x.Zone == z.Name);
        if (zi != null && zi.Present != z.PresentPages)
        {
            throw new ZoneLabInputException(s.PathOf("zoneinfo"), zi.Line, $"node {z.Node} zone {z.Name}: present {zi.Present}, but the boot layout has {z.PresentPages}: the files are from different machines or boots");
        }

        if (zi != null && zi.Managed != z.ManagedPages)
        {
            throw new ZoneLabInputException(s.PathOf("zoneinfo"), zi.Line, $"node {z.Node} zone {z.Name}: managed {zi.Managed}, but the booted model has {z.ManagedPages}");
        }

        DeviceStateTargets t;
        if (s.Pagetypeinfo is PagetypeinfoFile pt)
        {
            PagetypeinfoZone pz = pt.Zones.FirstOrDefault(x => x.Node == z.Node && x.Zone == z.Name)
                ?? throw new ZoneLabInputException(pt.Source, $"no rows for node {z.Node} zone {z.Name}, which buddyinfo line {b.Line} has");
            t = new DeviceStateTargets(z, pt.Source, pz.FreeLine.First(l => l > 0)) { Zoneinfo = zi, Blocks = pz.Blocks, BlocksLine = pz.BlocksLine };
            string? mismatch = null;
            for (int o = 0; o < Pageblock.NrOrders; o++)
            {
                long sum = 0;
                int capped = -1, nCapped = 0;
                for (int mt = 0; mt < MigrateTypes.Count; mt++)
                {
                    t.Free[mt, o] = pz.Free[mt, o];
                    if (pz.Capped[mt, o])
                    {
                        capped = mt;
                        nCapped++;
                    }
                    else
                    {
                        sum += pz.Free[mt, o];
                    }
                }

                if (nCapped > 1)
                {
                    throw new ZoneLabInputException(pt.Source, pz.FreeLine[capped], $"node {z.Node} zone {z.Name} order {o}: {nCapped} free lists over 100000 entries; their sizes cannot be recovered from buddyinfo");
                }

                if (nCapped == 1)
                {
                    // the kernel stops counting at 100000; buddyinfo's nr_free is the true total of the order
                    long rest = b.NrFree[o] - sum;
                    if (rest < 100000)
                    {
                        throw new ZoneLabInputException(pt.Source, pz.FreeLine[capped], $"node {z.Node} zone {z.Name} order {o}: '>100000' but buddyinfo line {b.Line} leaves {rest}");
                    }

                    t.Free[capped, o] = rest;
                }
                else if (sum != b.NrFree[o])
                {
                    // On a busy system the lists move between the two reads (the script retries, but gives up after
                    // 50): pagetypeinfo, which has the migratetypes, is the state that is reproduced. A file from
                    // another machine is caught by the zone, census and managed checks.
                    mismatch ??= $"{pt.Source}:{pz.FreeLine[(int)MigrateType.Movable]}: node {z.Node} zone {z.Name}: the free lists differ from buddyinfo line {b.Line} (order {o}: {sum} vs {b.NrFree[o]} blocks; read at different moments); pagetypeinfo's are reproduced";
                }
            }

            if (mismatch != null)
            {
                warnings.Add(mismatch);
            }
        }
        else
        {
            // buddyinfo only: no migratetypes. Free CMA pages (zoneinfo nr_free_cma) are taken largest first for the
            // CMA lists; everything else is MOVABLE, as after boot.
            t = new DeviceStateTargets(z, buddySource, b.Line) { Zoneinfo = zi };
            long cmaLeft = zi != null && zi.Fields.ContainsKey("nr_free_cma") ? t.ZoneStat("nr_free_cma") : 0;
            for (int o = Pageblock.MaxOrder; o >= 0; o--)
            {
                long cma = Math.Min(b.NrFree[o], cmaLeft >> o);
                cmaLeft -= cma << o;
                t.Free[(int)MigrateType.Cma, o] = cma;
                t.Free[(int)MigrateType.Movable, o] = b.NrFree[o] - cma;
            }
        }

        if (t.FreePages > (long)z.ManagedPages)
        {
            throw new ZoneLabInputException(t.Source, t.Line, $"node {z.Node} zone {z.Name}: {t.FreePages} free pages but the zone manages only {z.ManagedPages}");
        }

        return t;
    }
}
