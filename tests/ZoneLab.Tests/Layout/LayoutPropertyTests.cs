using CsCheck;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Layouts;

/// <summary>
/// Invariants of the boot layout for any memory map and any kernelcore/movablecore: zones of a node are in
/// order and do not overlap, present pages add up to the node's memory, ZONE_MOVABLE starts 1024-aligned or not at all.
/// </summary>
public class LayoutPropertyTests
{
    // A random x86 machine: 1-4 nodes of 64 MiB..6 GiB (multiples of 8 MiB), pc or q35, plus kernel options.
    private static readonly Gen<(ulong[] Nodes, bool Q35, string Cmdline)> s_machines =
        Gen.Select(
            Gen.ULong[8, 768].Select(x => x << 23).Array[1, 4],
            Gen.Bool,
            Gen.OneOf(
                Gen.Const(string.Empty),
                Gen.ULong[1, 8192].Select(m => $"kernelcore={m}M"),
                Gen.ULong[1, 8192].Select(m => $"movablecore={m}M"),
                Gen.ULong[0, 120].Select(p => $"kernelcore={p}%"),
                Gen.ULong[0, 120].Select(p => $"movablecore={p}%"),
                Gen.Select(Gen.ULong[1, 4096], Gen.ULong[1, 4096]).Select(t => $"kernelcore={t.Item1}M movablecore={t.Item2}M"),
                Gen.ULong[64, 4096].Select(m => $"mem={m}M movablecore=30%"),
                Gen.Const("numa=off movablecore=1G")),
            (nodes, q35, cmdline) => (nodes, q35, cmdline));

    [Fact]
    public void ZonesAreOrderedDisjointAndAccountForAllMemory()
    {
        s_machines.Sample(m =>
        {
            ulong ram = m.Nodes.Aggregate(0UL, (a, b) => a + b);
            var machine = QemuX86Machine.Create(ram, m.Q35 ? QemuMachineType.Q35 : QemuMachineType.Pc, m.Nodes.Length > 1 ? m.Nodes : null, string.Empty);
            BootLayout l;
            try
            {
                l = new LayoutBuilder().FromMachine(machine).WithCommandLine(m.Cmdline).Build();
            }
            catch (ZoneLabInputException)
            {
                return true; // e.g. mem= below the first usable range: reported, not a layout
            }
            foreach (NodeLayout n in l.Nodes)
            {
                ulong prevEnd = 0, present = 0;
                foreach (ZoneLayout z in n.Zones.Where(z => z.Spanned > 0))
                {
                    if (z.StartPfn < prevEnd || z.StartPfn < n.StartPfn || z.EndPfn > n.EndPfn)
                    {
                        return false;
                    }
                    prevEnd = z.EndPfn;
                    present += z.Present;
                    if (z.Present > z.Spanned || z.Managed > z.Present)
                    {
                        return false;
                    }
                }
                if (present != n.PresentPages)
                {
                    return false;
                }
                ulong zmp = l.ZoneMovablePfn[n.Nid];
                if (zmp != 0 && (zmp % 1024 != 0 || zmp >= n.EndPfn || n.Zone(ZoneType.Movable)!.StartPfn != zmp))
                {
                    return false;
                }
            }
            return l.MemoryBlocks.All(b => b.ValidZones == "none" || ZoneTypes.TryParse(b.ValidZones, out _));
        }, iter: 400, seed: "0N0XIzNsQ0O2");
    }
}
