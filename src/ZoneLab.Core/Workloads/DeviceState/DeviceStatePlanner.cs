using ZoneLab.Allocator;
using ZoneLab.Designs;
using ZoneLab.Layout;

namespace ZoneLab.Workloads.DeviceState;

/// <summary>
/// Works out a <see cref="DeviceStatePlan"/>: boots the device's own design (mainline MIGRATE_CMA on the snapshot's
/// layout), takes every page off the free lists and decides, zone by zone, which pageblocks get which migratetype
/// (pagetypeinfo's census), where each free block of each order and free list goes (pagetypeinfo's free lists) and what
/// every other page is used for (zoneinfo's LRU counters, meminfo's split). The free blocks are placed so that the
/// buddy allocator's own <c>__free_one_page</c> leaves each exactly as it is: the buddy of every free block of order
/// k keeps at least one used page, so no two free blocks ever merge, and buddyinfo comes out as recorded.
/// </summary>
internal static class DeviceStatePlanner
{
    private const byte Plain = 0;
    private const byte Free = 1;
    private const byte Pinned = 2;
    private const byte Unusable = 3;

    // the order free lists are filled in: the constrained ones first
    private static readonly MigrateType[] s_fillOrder =
        [MigrateType.Cma, MigrateType.Isolate, MigrateType.HighAtomic, MigrateType.Unmovable, MigrateType.Reclaimable, MigrateType.Movable];

    // the order budgets are handed to pageblocks whose free lists say nothing about their type
    private static readonly MigrateType[] s_budgetOrder =
        [MigrateType.Unmovable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Isolate, MigrateType.Movable];

    public static DeviceStatePlan Build(DeviceSnapshot s, KernelVersion version)
    {
        var layout = s.Layout();
        using DesignMachine dm = new MigrateCmaDesign().Build(layout, version);
        Machine m = dm.Machine;
        var warnings = new List<string>(layout.Warnings.Where(w => w.Contains("zoneinfo", StringComparison.Ordinal)));
        CheckZonesKnown(s, m);

        var targets = new List<DeviceStateTargets>();
        foreach (Zone z in m.Zones)
        {
            if (z.PresentPages == 0)
            {
                continue;
            }

            targets.Add(DeviceStateTargets.ForZone(s, m, z, warnings));
            m.SeedTakeAll(z.Index);
        }

        int length = m.PfnCount;
        var st = new byte[length];
        for (int i = 0; i < length; i++)
        {
            int zone = m.ZoneAt(i);
            st[i] = zone != Machine.NoZone && m.SeedIsPlain(i, zone) ? Plain : Unusable;
        }

        var pbType = new byte[(length >> Pageblock.Order) + 1];
        Array.Fill(pbType, DeviceStatePlan.NoType);
        var free = new List<PlannedFreeBlock>();
        var use = new byte[length];
        var zonePlans = new List<ZonePlacement>();
        foreach (DeviceStateTargets t in targets)
        {
            var zp = new ZonePlacement(m, t, st, pbType, free);
            zp.Place();
            zonePlans.Add(zp);
        }

        DeviceStateUses.Assign(s, m, zonePlans, st, pbType, use, warnings);
        var state = new byte[length];
        for (int i = 0; i < length; i++)
        {
            state[i] = st[i] switch
            {
                Free => DeviceStatePlan.StateFree,
                Plain or Pinned => DeviceStatePlan.StateUsed,
                _ => DeviceStatePlan.StateNone,
            };
        }

        return new DeviceStatePlan(m.BasePfn, state, use, pbType, [.. free], warnings);
    }

    // a zone listed in the snapshot that the machine does not have is a different machine
    private static void CheckZonesKnown(DeviceSnapshot s, Machine m)
    {
        foreach (Procfs.BuddyinfoZone b in s.Buddyinfo)
        {
            if (!m.Zones.Any(z => z.Node == b.Node && z.Name == b.Zone && z.PresentPages != 0))
            {
                throw new ZoneLabInputException(s.PathOf("buddyinfo"), b.Line, $"node {b.Node} zone {b.Zone} is not a populated zone of the machine the boot log describes");
            }
        }
    }

    /// <summary>The page placement of one zone (st, pageblock types and free blocks are shared across zones).</summary>
    internal sealed class ZonePlacement
    {
        private readonly Machine _m;
        private readonly byte[] _st;
        private readonly byte[] _pbType;
        private readonly List<PlannedFreeBlock> _free;
        private readonly long[] _budget = new long[MigrateTypes.Count];
        private readonly List<int> _census = [];       // census pageblocks (index >> Order), ascending
        private readonly List<int> _pageblocks = [];   // every pageblock with a page of the zone, ascending
        private readonly int _zone;
        private readonly int _start;
        private readonly int _end;

        public ZonePlacement(Machine m, DeviceStateTargets t, byte[] st, byte[] pbType, List<PlannedFreeBlock> free)
        {
            _m = m;
            Targets = t;
            _st = st;
            _pbType = pbType;
            _free = free;
            _zone = t.Zone.Index;
            (_start, _end) = m.ZoneIndexRange(t.Zone);
        }

        public DeviceStateTargets Targets { get; }

        public Zone Zone => Targets.Zone;

        /// <summary>Pageblock type after placement (the plan's, else the boot type).</summary>
        public MigrateType TypeOf(int pb) => _pbType[pb] != DeviceStatePlan.NoType ? (MigrateType)_pbType[pb] : _m.PageblockTypeAt(pb << Pageblock.Order);

        public int Start => _start;

        public int End => _end;

        public void Place()
        {
            Zone z = Zone;
            // mirrors pagetypeinfo_showblockcount_print: one step per pageblock_nr_pages from zone_start_pfn
            for (ulong pfn = z.StartPfn; pfn < z.EndPfn; pfn += Pageblock.NrPages)
            {
                if (_m.ZoneIndexOf(pfn) == _zone)
                {
                    _census.Add(_m.IndexOf(pfn) >> Pageblock.Order);
                }
            }

            for (int pb = _start >> Pageblock.Order; pb <= (_end - 1) >> Pageblock.Order && _end > _start; pb++)
            {
                if (HasZonePage(pb))
                {
                    _pageblocks.Add(pb);
                }
            }

            InitBudget();
            PlaceMaxOrder();
            PlacePageblockOrder();
            AssignRemainingTypes();
            for (int o = Pageblock.Order - 1; o >= 0; o--)
            {
                foreach (MigrateType mt in s_fillOrder)
                {
                    PlaceSmall(mt, o);
                }
            }
        }

        private bool HasZonePage(int pb)
        {
            int a = Math.Max(pb << Pageblock.Order, _start), b = Math.Min((pb + 1) << Pageblock.Order, _end);
            for (int i = a; i < b; i++)
            {
                if (_m.ZoneAt(i) == _zone)
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsCmaBlock(int pb) => _m.PageblockTypeAt(pb << Pageblock.Order) == MigrateType.Cma;

        private void InitBudget()
        {
            int cma = _census.Count(IsCmaBlock);
            DeviceStateTargets t = Targets;
            if (t.Blocks == null)
            {
                return; // buddyinfo only: the boot types stay
            }

            long total = t.Blocks.Sum();
            if (total != _census.Count)
            {
                throw new ZoneLabInputException(t.Source, t.BlocksLine, $"node {Zone.Node} zone {Zone.Name}: {total} pageblocks, but the zone of the boot layout has {_census.Count}: is the snapshot from this machine?");
            }

            if (t.Blocks[(int)MigrateType.Cma] != cma)
            {
                throw new ZoneLabInputException(t.Source, t.BlocksLine, $"node {Zone.Node} zone {Zone.Name}: {t.Blocks[(int)MigrateType.Cma]} CMA pageblocks, but the layout's CMA areas give {cma}: is the snapshot from this machine and command line?");
            }

            for (int mt = 0; mt < MigrateTypes.Count; mt++)
            {
                _budget[mt] = mt == (int)MigrateType.Cma ? 0 : t.Blocks[mt];
            }
        }

        // Gives a census pageblock a type from the census budget: the free list's own type when budget is left,
        // else the first type that still has some (the kernel too leaves free pages of one type in blocks of another).
        private void Claim(int pb, MigrateType wanted)
        {
            if (IsCmaBlock(pb) || Targets.Blocks == null)
            {
                _pbType[pb] = (byte)_m.PageblockTypeAt(pb << Pageblock.Order);
                return;
            }

            MigrateType t = wanted;
            if (_budget[(int)t] == 0)
            {
                t = s_budgetOrder.Reverse().FirstOrDefault(x => _budget[(int)x] > 0, (MigrateType)0xFF);
                if ((byte)t == 0xFF)
                {
                    throw new ZoneLabInputException(Targets.Source, Targets.BlocksLine, $"node {Zone.Node} zone {Zone.Name}: more pageblocks needed for the free lists than the census has");
                }
            }

            _budget[(int)t]--;
            _pbType[pb] = (byte)t;
        }

        private bool Assigned(int pb) => _pbType[pb] != DeviceStatePlan.NoType;

        private bool AllPlain(int i, int n)
        {
            for (int k = i; k < i + n; k++)
            {
                if (_st[k] != Plain || _m.ZoneAt(k) != _zone)
                {
                    return false;
                }
            }

            return true;
        }

        private void MarkFree(int i, int order, MigrateType mt)
        {
            Array.Fill(_st, Free, i, 1 << order);
            _free.Add(new PlannedFreeBlock(_m.PfnAt(i), (byte)order, mt));
        }

        // order-10 blocks: whole MAX_ORDER-aligned pairs of pageblocks, from the top of the zone down (where boot
        // leaves them); they never merge further
        private void PlaceMaxOrder()
        {
            int size = 1 << Pageblock.MaxOrder;
            foreach (MigrateType mt in s_fillOrder)
            {
                long need = Targets.Free[(int)mt, Pageblock.MaxOrder];
                for (int i = (_end - size) & ~(size - 1); need > 0 && i >= _start; i -= size)
                {
                    int pb = i >> Pageblock.Order;
                    if (Assigned(pb) || Assigned(pb + 1) || (IsCmaBlock(pb) != (mt == MigrateType.Cma)) || IsCmaBlock(pb) != IsCmaBlock(pb + 1) || !AllPlain(i, size))
                    {
                        continue;
                    }

                    Claim(pb, mt);
                    Claim(pb + 1, mt);
                    MarkFree(i, Pageblock.MaxOrder, mt);
                    need--;
                }

                if (need > 0)
                {
                    throw Unplaceable(mt, Pageblock.MaxOrder, need);
                }
            }
        }

        // order-9 blocks: whole pageblocks whose buddy pageblock keeps a used page
        private void PlacePageblockOrder()
        {
            int size = 1 << Pageblock.Order;
            foreach (MigrateType mt in s_fillOrder)
            {
                long need = Targets.Free[(int)mt, Pageblock.Order];
                for (int k = _census.Count - 1; need > 0 && k >= 0; k--)
                {
                    int pb = _census[k];
                    int i = pb << Pageblock.Order;
                    if (Assigned(pb) || IsCmaBlock(pb) != (mt == MigrateType.Cma) || i < _start || i + size > _end || !AllPlain(i, size) || !GuardBuddy(i, Pageblock.Order))
                    {
                        continue;
                    }

                    Claim(pb, mt);
                    MarkFree(i, Pageblock.Order, mt);
                    need--;
                }

                if (need > 0)
                {
                    throw Unplaceable(mt, Pageblock.Order, need);
                }
            }
        }

        // The rest of the census: full pageblocks first go to the types other than MOVABLE (their small free blocks need
        // room), then every pageblock left takes what budget remains.
        private void AssignRemainingTypes()
        {
            if (Targets.Blocks == null)
            {
                return;
            }

            foreach (bool fullOnly in new[] { true, false })
            {
                foreach (int pb in _census)
                {
                    if (Assigned(pb) || IsCmaBlock(pb))
                    {
                        continue;
                    }

                    int i = pb << Pageblock.Order;
                    if (fullOnly && (i < _start || i + (int)Pageblock.NrPages > _end || !AllPlain(i, (int)Pageblock.NrPages)))
                    {
                        continue;
                    }

                    foreach (MigrateType t in s_budgetOrder)
                    {
                        if (fullOnly && t == MigrateType.Movable)
                        {
                            break;
                        }

                        if (_budget[(int)t] > 0)
                        {
                            _budget[(int)t]--;
                            _pbType[pb] = (byte)t;
                            break;
                        }
                    }
                }
            }

            foreach (int pb in _census)
            {
                if (!Assigned(pb))
                {
                    _pbType[pb] = (byte)_m.PageblockTypeAt(pb << Pageblock.Order);
                }
            }
        }

        // True when the order-k buddy of the block at i will never be a free block of order k: it holds a page that is
        // used, reserved, a hole or in another zone, or a plain page that is pinned (kept used) here.
        private bool GuardBuddy(int i, int order)
        {
            int n = 1 << order;
            int b = i ^ n;
            int lastPlain = -1;
            for (int k = b; k < b + n; k++)
            {
                byte s = _st[k];
                if (s is Pinned or Unusable || _m.ZoneAt(k) != _zone)
                {
                    return true;
                }

                if (s == Plain)
                {
                    lastPlain = k;
                }
            }

            if (lastPlain < 0)
            {
                return false;
            }

            _st[lastPlain] = Pinned;
            return true;
        }

        // Blocks below pageblock order: first in pageblocks of the free list's own type, then MOVABLE ones, then any
        // (never CMA for the other lists, only CMA for the CMA list).
        private void PlaceSmall(MigrateType mt, int order)
        {
            long need = Targets.Free[(int)mt, order];
            if (need == 0)
            {
                return;
            }

            int size = 1 << order;
            for (int tier = 0; tier < 3 && need > 0; tier++)
            {
                if (mt == MigrateType.Cma && tier > 0)
                {
                    break;
                }

                foreach (int pb in _pageblocks)
                {
                    MigrateType t = TypeOf(pb);
                    bool fits = mt == MigrateType.Cma ? t == MigrateType.Cma
                        : t != MigrateType.Cma && (tier == 0 ? t == mt : tier == 1 ? t == MigrateType.Movable && mt != MigrateType.Movable : t != mt && t != MigrateType.Movable);
                    if (!fits)
                    {
                        continue;
                    }

                    int a = Math.Max(pb << Pageblock.Order, _start);
                    a = (a + size - 1) & ~(size - 1);
                    int b = Math.Min((pb + 1) << Pageblock.Order, _end);
                    for (int i = a; i + size <= b && need > 0; i += size)
                    {
                        if (AllPlain(i, size) && GuardBuddy(i, order))
                        {
                            MarkFree(i, order, mt);
                            need--;
                        }
                    }

                    if (need == 0)
                    {
                        break;
                    }
                }
            }

            if (need > 0)
            {
                throw Unplaceable(mt, order, need);
            }
        }

        private ZoneLabInputException Unplaceable(MigrateType mt, int order, long need)
            => new(Targets.Source, Targets.Line, $"node {Zone.Node} zone {Zone.Name}: no room for {need} more free blocks of order {order} on the {MigrateTypes.Name(mt)} list that would not merge with a free buddy: the zone has {(long)Zone.ManagedPages - Targets.FreePages} used pages to keep free blocks apart, and the model puts the zone's {Zone.PresentPages - Zone.ManagedPages} reserved pages at its start, not where the device has them");
    }
}
