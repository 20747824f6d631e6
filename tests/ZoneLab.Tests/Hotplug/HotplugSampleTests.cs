using System.Globalization;
using System.Text.RegularExpressions;
using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Hotplug;

/// <summary>
/// Real kernels offlining and onlining memory blocks (Fixtures/hotplug, copied from ../shared/kernel-samples):
/// the oracle CMA build of Debian's 6.1 on x86-64 (movablecore=512M; a 1 GiB DIMM with memhp_default_state=online_movable)
/// and Debian's arm64 6.1 (movablecore=1G). Each action's result, valid_zones after every step, the memory block dump
/// and the zones' span/present/managed/watermarks afterwards must be the kernel's exactly.
/// </summary>
public class HotplugSampleTests
{
    private static string Dir(string name) => FixturePath.Get("hotplug", name);

    private static string FileOf(string name, string file) => Path.Combine(Dir(name), file);

    /// <summary>The "== echo X > memoryN/state (before: ...)" steps of actions.txt with their result and valid_zones after.</summary>
    private static List<(string Value, ulong Block, string Before, bool Ok, string? Error, string After)> Actions(string name)
    {
        var steps = new List<(string, ulong, string, bool, string?, string)>();
        string[] lines = File.ReadAllLines(FileOf(name, "actions.txt"));
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = Regex.Match(lines[i], @"^== echo (\S+) > memory(\d+)/state .*valid_zones=([^)]*?)(?: removable=\d)?\)$");
            if (!m.Success)
            {
                continue;
            }
            string? error = null;
            int j = i + 1;
            if (lines[j].StartsWith("sh: write error: ", StringComparison.Ordinal))
            {
                error = lines[j]["sh: write error: ".Length..];
                j++;
            }
            bool ok = lines[j].Trim() == "result: OK";
            string after = Regex.Match(lines[j + 1], @"valid_zones=(.*)$").Groups[1].Value;
            steps.Add((m.Groups[1].Value, ulong.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value, ok, error, after));
        }
        return steps;
    }

    private static MemoryHotplug X86(string name, HotplugOptions? options = null)
    {
        BootLayout layout = new LayoutBuilder().FromDmesg(FileOf(name, "dmesg.txt")).WithKernelConfig(KernelConfig.CmaAmd64)
            .WithZoneinfo(FileOf(name, "zoneinfo.txt")).Build();
        return HotplugMachine.Create(layout, (options ?? new HotplugOptions()) with { DebugChecks = true });
    }

    private static void RunActions(MemoryHotplug hp, string name, int count)
    {
        Assert.Equal(count, Actions(name).Count);
        foreach ((string value, ulong block, string before, bool ok, string? error, string after) in Actions(name))
        {
            Assert.Equal(before, hp.ValidZones(block));
            HotplugResult r = hp.WriteState(block, value);
            Assert.True(ok == r.Success, $"echo {value} > memory{block}/state: model {r.Text} ({r.Reason}), kernel {(ok ? "OK" : error)}");
            if (!ok)
            {
                Assert.Equal(error, r.Text);
            }
            Assert.Equal(after, hp.ValidZones(block));
            InvariantChecker.Check(hp.Machine);
        }
    }

    private static void AssertZones(Machine m, string zoneinfoPath, bool watermarks)
    {
        IReadOnlyList<ZoneinfoZone> real = ZoneinfoReader.Parse(File.ReadAllText(zoneinfoPath));
        foreach (ZoneinfoZone r in real)
        {
            Zone z = m.Zones[r.Node * m.MaxNrZones + (int)r.Type];
            string what = $"{z.Name}";
            Assert.True(r.Spanned == z.SpannedPages, $"{what} spanned: kernel {r.Spanned} model {z.SpannedPages}");
            Assert.True(r.Present == z.PresentPages, $"{what} present: kernel {r.Present} model {z.PresentPages}");
            Assert.True(r.Managed == z.ManagedPages, $"{what} managed: kernel {r.Managed} model {z.ManagedPages}");
            if (r.StartPfn is ulong s && r.Spanned != 0)
            {
                Assert.True(s == z.StartPfn, $"{what} start_pfn: kernel {s} model {z.StartPfn}");
            }
            if (watermarks)
            {
                Assert.True(r.Min == z.Watermarks.Min && r.Low == z.Watermarks.Low && r.High == z.Watermarks.High,
                    $"{what} watermarks: kernel {r.Min}/{r.Low}/{r.High} model {z.Watermarks.Min}/{z.Watermarks.Low}/{z.Watermarks.High}");
                Assert.Equal(r.Protection, z.Watermarks.LowmemReserve);
            }
        }
    }

    [Fact]
    public void X86_movablecore512M_offline_and_online_as_the_kernel()
    {
        const string name = "x86-i-2G-movablecore512M-offline";
        using MemoryHotplug hp = X86(name);
        Assert.Equal(File.ReadAllText(FileOf(name, "memory-blocks.txt")), hp.WriteBlocks());
        RunActions(hp, name, 7);
        Assert.Equal(File.ReadAllText(FileOf(name, "memory-blocks.after.txt")), hp.WriteBlocks());
        AssertZones(hp.Machine, FileOf(name, "zoneinfo.after.txt"), watermarks: true);
        Assert.Contains("min_free_kbytes = " + hp.Machine.WatermarkCalculator.MinFreeKbytes + " ", File.ReadAllText(FileOf(name, "sysctl-vm.after.txt")));
    }

    [Fact]
    public void X86_movablecore512M_failures_give_the_kernel_reasons()
    {
        const string name = "x86-i-2G-movablecore512M-offline";
        using MemoryHotplug hp = X86(name);
        HotplugResult hole = hp.Offline(15);
        Assert.Equal(OfflineFailure.MemoryHoles, hole.Failure);
        Assert.Contains("memory offlining [mem 0x78000000-0x7fffffff] failed due to memory holes", hole.Messages);
        Assert.Equal(OfflineFailure.MultipleZones, hp.Offline(0).Failure);
        Assert.Equal(OfflineFailure.AlreadyInState, hp.Online(3).Failure);
    }

    [Fact]
    public void X86_dimm_onlined_movable_by_memhp_default_state()
    {
        const string name = "x86-g3-2G-dimm1G-online_movable";
        BootLayout layout = new LayoutBuilder().FromDmesg(FileOf(name, "dmesg.txt")).WithKernelConfig(KernelConfig.CmaAmd64)
            .WithZoneinfo(FileOf(name, "zoneinfo.txt")).Build();
        var dimm = new Dimm(HotplugMachine.QemuX86DimmBase(layout), 1UL << 30);
        Assert.Equal(0x100000000UL, dimm.Base);
        using MemoryHotplug hp = HotplugMachine.Create(layout, new HotplugOptions { Dimms = [dimm], DebugChecks = true });
        Assert.Equal(OnlineType.OnlineMovable, hp.Config.DefaultOnlineType);
        Assert.Equal(File.ReadAllText(FileOf(name, "memory-blocks.txt")), hp.WriteBlocks());
        Zone movable = hp.Machine.Zones[(int)ZoneType.Movable];
        Assert.Equal(1048576UL, movable.StartPfn);
        Assert.Equal(262144UL, movable.SpannedPages);
        Assert.Equal(262144UL, movable.PresentPages);
        Assert.Equal(262144UL, movable.ManagedPages);
        InvariantChecker.Check(hp.Machine);
    }

    [Fact]
    public void Arm64_movablecore1G_boot_memory_is_never_offlined()
    {
        const string name = "arm64-h-4G-movablecore1G-offline";
        BootLayout layout = new LayoutBuilder().ForArm64(4UL << 30).WithCommandLine(File.ReadAllText(FileOf(name, "cmdline.txt")).TrimEnd('\n'))
            .WithZoneinfo(FileOf(name, "zoneinfo.txt")).Build();
        using MemoryHotplug hp = HotplugMachine.Create(layout, new HotplugOptions { DebugChecks = true });
        Assert.True(hp.Config.PreventBootMemoryRemoval);
        Assert.Equal(File.ReadAllText(FileOf(name, "memory-blocks.txt")), hp.WriteBlocks());
        RunActions(hp, name, 6);
        Assert.Equal(File.ReadAllText(FileOf(name, "memory-blocks.after.txt")), hp.WriteBlocks());
        AssertZones(hp.Machine, FileOf(name, "zoneinfo.txt"), watermarks: false);
        // the kernel's notifier lines, in order
        string[] real = File.ReadAllLines(FileOf(name, "actions.txt")).Where(l => l.Contains("Boot memory", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l, @"^\[\s*\d+\.\d+\] ", string.Empty)).ToArray();
        Assert.Equal(3, real.Length);
        Assert.Equal(real, hp.Log.Where(l => l.StartsWith("Boot memory", StringComparison.Ordinal)).ToArray());
    }
}
