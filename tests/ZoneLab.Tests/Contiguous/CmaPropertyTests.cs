using CsCheck;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Contiguous;

/// <summary>
/// Invariants of CMA areas on random arm64 machines and command lines: every declared area is 2 MiB aligned,
/// inside memory and never overlaps another area or a boot reservation made before it; an activated area lies in
/// one zone and its pages are the zone's cma count; a not-activated area crosses a zone boundary; no exception
/// other than bad input escapes.
/// </summary>
public class CmaPropertyTests
{
    private static readonly Gen<(ulong[] Nodes, string Cmdline)> s_machines =
        Gen.Select(
            Gen.ULong[2, 48].Select(x => x << 27).Array[1, 3],
            Gen.OneOf(
                Gen.Const(string.Empty),
                Gen.ULong[1, 2048].Select(m => $"cma={m}M"),
                Gen.Select(Gen.ULong[1, 512], Gen.ULong[0, 64]).Select(t => $"cma={t.Item1}M@{0x40000000UL + (t.Item2 << 26):x}"),
                Gen.Select(Gen.ULong[1, 512], Gen.ULong[0, 32]).Select(t => $"cma={t.Item1}M@{0x40000000UL + (t.Item2 << 27):x}-0x100000000"),
                Gen.ULong[1, 8].Select(g => $"hugetlb_cma={g}G"),
                Gen.ULong[1, 4].Select(g => $"hugetlb_cma=0:{g}G,1:1G"),
                Gen.ULong[1, 256].Select(m => $"cma_pernuma={m}M cma=0"),
                Gen.ULong[1, 4096].Select(m => $"movablecore={m}M hugetlb_cma=1G")),
            (nodes, cmdline) => (nodes, cmdline));

    [Fact]
    public void AreasAreAlignedDisjointAndActivatedOnlyInsideOneZone()
    {
        int built = 0;
        s_machines.Sample(m =>
        {
            ulong ram = m.Nodes.Aggregate(0UL, (a, b) => a + b);
            BootLayout l;
            try
            {
                l = new LayoutBuilder().ForArm64(ram, m.Nodes.Length > 1 ? m.Nodes : null).WithCommandLine(m.Cmdline).Build();
            }
            catch (ZoneLabInputException)
            {
                return;
            }
            Interlocked.Increment(ref built);
            const ulong align = 2UL << 20;
            var areas = l.CmaAreas.OrderBy(a => a.Base).ToList();
            for (int i = 0; i < areas.Count; i++)
            {
                CmaArea a = areas[i];
                Assert.True(a.Base % align == 0 && a.Size % align == 0, $"{m.Cmdline}: {a} not pageblock aligned");
                if (i > 0)
                {
                    Assert.True(areas[i - 1].Base + areas[i - 1].Size <= a.Base, $"{m.Cmdline}: {areas[i - 1]} overlaps {a}");
                }
                Assert.Contains(l.BootMemblock!.Memory.Regions, r => r.Base <= a.Base && a.Base + a.Size <= r.End);
                ZoneLayout? first = CmaActivation.ZoneOfPfn(l, a.BasePfn);
                ZoneLayout? last = CmaActivation.ZoneOfPfn(l, a.BasePfn + a.DeclaredPages - 1);
                Assert.Equal(a.Activated == true, first != null && ReferenceEquals(first, last));
            }
            foreach (ZoneLayout z in l.AllZones)
            {
                ulong expected = areas.Where(a => a.Activated == true && a.Zone == z.Type && a.Node == z.Nid).Aggregate(0UL, (s, a) => s + a.DeclaredPages);
                Assert.Equal(expected, z.CmaPages);
                Assert.True(z.CmaPages <= z.Managed, $"{m.Cmdline}: zone {z.Name} cma {z.CmaPages} > managed {z.Managed}");
            }
            // the kernel image (_stext.._end of QEMU's load at RAM + 2 MiB) and the initrd never hold an area
            var kept = new List<(ulong Start, ulong End)> { (0x40210000, 0x40200000 + KernelConfig.DebianArm64.KernelImageSize) };
            if (l.Initrd is (ulong s, ulong n))
            {
                kept.Add((s, s + n));
            }
            foreach ((ulong s0, ulong e0) in kept)
            {
                Assert.DoesNotContain(areas, a => a.Base < e0 && s0 < a.Base + a.Size);
            }
        }, iter: 300);
        Assert.True(built >= 250, $"only {built} of 300 random machines could be built");
    }
}
