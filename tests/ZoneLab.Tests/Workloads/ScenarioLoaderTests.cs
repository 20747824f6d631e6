using ZoneLab.Workloads;

namespace ZoneLab.Tests.Workloads;

public class ScenarioLoaderTests
{
    private static string ExamplePath => FixturePath.Get("scenarios", "full-example.yaml");

    [Fact]
    public void FullExampleValues()
    {
        Scenario s = ScenarioLoader.LoadFile(ExamplePath);
        Assert.Equal("camera-under-load", s.Name);
        Assert.StartsWith("A 4 GiB phone-like machine", s.Description);
        Assert.Equal(("6.1", 42L), (s.Kernel, s.Seed));
        Assert.Equal(4UL << 30, s.Machine.Mem);
        Assert.Equal(new[] { 1UL << 30, 3UL << 30 }, s.Machine.Numa);
        Assert.Equal("q35", s.Machine.Type);
        Assert.Equal("cma=512M movablecore=1G", s.Machine.Cmdline);
        MemoryController c0 = s.Machine.MemoryControllers[0], c1 = s.Machine.MemoryControllers[1];
        Assert.Equal(("memc0", 12.8e9), (c0.Name, c0.BandwidthBytesPerSecond));
        Assert.Equal(new PhysicalRange(0, 2UL << 30), Assert.Single(c0.Ranges));
        Assert.Equal(6.4e9, c1.BandwidthBytesPerSecond);
        Assert.Equal(new[] { new PhysicalRange(0x80000000, 0x30000000), new PhysicalRange(0x100000000, 1UL << 30) }, c1.Ranges);
        Assert.Equal(
            new KeyValuePair<string, string>[]
            {
                new("vm.min_free_kbytes", "16384"), new("vm.watermark_scale_factor", "20"),
                new("vm.lowmem_reserve_ratio", "256 256 32 0 0"), new("transparent_hugepage", "madvise"),
            },
            s.Machine.Sysctls);
        Assert.Equal(new[] { "migrate-cma", "zone-cma", "dmb", "carveout" }, s.Designs);
        Assert.Equal(2, s.Phases.Count);
        Assert.Equal(("warm-up", 120.0, 6), (s.Phases[0].Name, s.Phases[0].DurationSeconds, s.Phases[0].Actors.Count));
        Assert.Equal(120 + 300, s.DurationSeconds);

        var anon = (AnonActor)s.Phases[0].Actors[0];
        Assert.Equal(ScenarioDistribution.Constant(64 << 20, QuantityUnit.BytesPerSecond), anon.Rate);
        Assert.Equal(new ScenarioDistribution(DistributionKind.Exponential, QuantityUnit.Seconds, 30, 0, [], null), anon.Lifetime);
        Assert.Equal((0.02, 1536.0 * (1 << 20), 2e9), (anon.PinnedFraction, anon.LimitBytes!.Value, anon.AccessBytesPerSecond));

        var pc = (PageCacheActor)s.Phases[0].Actors[1];
        Assert.Equal((DistributionKind.Uniform, 8.0 * (1 << 20), 32.0 * (1 << 20)), (pc.Rate.Kind, pc.Rate.A, pc.Rate.B));
        Assert.Equal((DistributionKind.LogNormal, 20.0, 1.5), (pc.Lifetime!.Kind, pc.Lifetime.A, pc.Lifetime.B));
        Assert.Equal((0.1, false), (pc.DirtyFraction, pc.Highmem));

        var dentries = (SlabActor)s.Phases[0].Actors[2];
        Assert.True(dentries.Reclaimable);
        Assert.Equal(new[] { 0.8, 0.1, 0, 0.1 }, dentries.OrderWeights);
        Assert.Equal(new HistogramBucket[] { new(1, 10), new(10, 5), new(300, 1) }, dentries.Lifetime!.Buckets);
        var kobj = (SlabActor)s.Phases[0].Actors[3];
        Assert.Equal((false, 50.0), (kobj.Reclaimable, kobj.Rate.A));
        Assert.Equal(new[] { 0.7, 0.2, 0.1, 0 }, kobj.OrderWeights);

        var net = (AtomicActor)s.Phases[0].Actors[4];
        Assert.Equal((1, 16.0, 256.0, 0.25, 0.005), (net.Order, net.Burst.A, net.Burst.B, net.Interval.A, net.Lifetime.A));
        var thp = (ThpActor)s.Phases[0].Actors[5];
        Assert.Equal((2.0, 60.0, 10.0, 100.0), (thp.Rate.A, thp.Lifetime!.A, thp.StartSeconds, thp.StopSeconds!.Value));

        var cam = (CmaActor)s.Phases[1].Actors[0];
        Assert.Equal(("isp", "reserved", 32.0 * (1 << 20), 8, 20.0, 0.5), (cam.Device, cam.Area, cam.SizeBytes, cam.Count, cam.PeriodSeconds!.Value, cam.DeadlineSeconds!.Value));
        var gig = (GiganticActor)s.Phases[1].Actors[1];
        Assert.Equal(("gigantic", 1, (double)(1L << 30), 60.0, 60.0), (gig.Name, gig.Count, gig.SizeBytes, gig.Hold!.A, gig.StartSeconds));
        Assert.Equal(new[] { 30, 31 }, ((OfflineActor)s.Phases[1].Actors[2]).Blocks);
        Assert.Equal(2, ((OfflineActor)s.Phases[1].Actors[3]).BlockCount);
        var drop = (DropCachesActor)s.Phases[1].Actors[4];
        Assert.Equal((1, 90.0), (drop.Mode, drop.StartSeconds));
    }

    [Fact]
    public void RoundTripOfTheFullExample()
    {
        Scenario s = ScenarioLoader.LoadFile(ExamplePath);
        string yaml = ScenarioWriter.Write(s);
        Scenario back = ScenarioLoader.Load(yaml, "written.yaml");
        Assert.Equal(s, back);
        Assert.Equal(yaml, ScenarioWriter.Write(back));
    }

    [Fact]
    public void SysctlsApplyToTheEngineKnobs()
    {
        Scenario s = ScenarioLoader.LoadFile(ExamplePath);
        var vm = new ZoneLab.Allocator.VmSysctls();
        IReadOnlyList<string> ignored = ScenarioSysctls.Apply(s.Machine.Sysctls, vm);
        Assert.Empty(ignored);
        Assert.Equal((16384, 20, true), (vm.UserMinFreeKbytes, vm.WatermarkScaleFactor, vm.TransparentHugepages));
        Assert.Equal(new[] { 256, 256, 32, 0, 0, 0 }, vm.LowmemReserveRatio);
        ignored = ScenarioSysctls.Apply([new("vm.swappiness", "10"), new("transparent_hugepage", "never"), new("vm.lowmem_reserve_ratio", "128 64")], vm);
        Assert.Equal(new[] { "vm.swappiness" }, ignored);
        Assert.False(vm.TransparentHugepages);
        Assert.Equal(new[] { 128, 64, 32, 0, 0, 0 }, vm.LowmemReserveRatio);
    }

    [Fact]
    public void MinimalScenarioDefaults()
    {
        Scenario s = ScenarioLoader.Load("""
            machine: {mem: 2G}
            phases:
              - duration: 10s
                actors:
                  - {type: anon, rate: 1M/s}
            """, "min.yaml", defaultName: "min");
        Assert.Equal(("min", "6.1", 1L), (s.Name, s.Kernel, s.Seed));
        Assert.Equal(ScenarioDesigns.All, s.Designs);
        Assert.Equal("phase1", s.Phases[0].Name);
        Assert.Equal("anon", s.Phases[0].Actors[0].Name);
        Assert.Null(((AnonActor)s.Phases[0].Actors[0]).Lifetime);
        Assert.Equal("", s.Machine.Cmdline);
    }

    [Fact]
    public void MachineCombinationsAndLayoutBuilder()
    {
        Scenario x86 = ScenarioLoader.Load("machine: {mem: 2G, cmdline: movablecore=512M}\nphases: [{duration: 1s}]\n");
        Assert.False(x86.Machine.IsArm64);
        ZoneLab.Layout.LayoutBuilder b = x86.Machine.ToLayoutBuilder();
        Assert.Equal(("x86_64", "movablecore=512M"), (b.Arch, b.EffectiveCommandLine));
        // The same machine the CLI's --mem 2G -- movablecore=512M builds.
        Assert.Equal(
            ZoneLab.Procfs.LayoutJsonWriter.Write(new ZoneLab.Layout.LayoutBuilder().FromQemu(2UL << 30).WithExtraArgs(["movablecore=512M"]).Build()),
            ZoneLab.Procfs.LayoutJsonWriter.Write(b.Build()));

        Scenario arm = ScenarioLoader.Load("machine: {mem: 2G, type: virt, numa: [1G, 1G]}\nphases: [{duration: 1s}]\n");
        Assert.True(arm.Machine.IsArm64);
        Assert.Equal("arm64", arm.Machine.ToLayoutBuilder().Arch);
        Scenario dtb = ScenarioLoader.Load("machine: {dtb: board.dtb, mem: 2G}\nphases: [{duration: 1s}]\n");
        Assert.True(dtb.Machine.IsArm64);
        Assert.Null(dtb.SourcePath);
        Assert.Equal(ExamplePath, ScenarioLoader.LoadFile(ExamplePath).SourcePath);
        Assert.Equal(Path.GetDirectoryName(ExamplePath), ScenarioLoader.LoadFile(ExamplePath).BaseDirectory);
    }

    [Theory]
    [InlineData("4.9", "4.10")]
    [InlineData("v6.1.192", "6.1")]
    [InlineData("6.12", "6.12")]
    [InlineData("6.15", "6.12")]
    public void KernelVersionIsTheModelledGeneration(string text, string expected)
    {
        Scenario s = ScenarioLoader.Load($"kernel: \"{text}\"\nmachine: {{mem: 1G}}\nphases: [{{duration: 1s}}]\n");
        Assert.Equal(expected, s.Kernel);
    }

    [Fact]
    public void HistogramFileErrorNamesItsLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"zl-scen-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            // hold is a time: "4K" on line 2 is a size, not a time.
            File.WriteAllText(Path.Combine(dir, "sizes.csv"), "# size,weight\n4K,70\n");
            File.WriteAllText(Path.Combine(dir, "s.yaml"), "machine: {mem: 1G}\nphases:\n  - duration: 1min\n    actors:\n      - {type: cma, device: gpu, size: 4M, hold: {dist: histogram, file: sizes.csv}}\n");
            var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.LoadFile(Path.Combine(dir, "s.yaml")));
            Assert.Equal("sizes.csv:2: expected VALUE,WEIGHT with VALUE a time such as 250us, 100ms, 10s, 5min or 2h and WEIGHT a non-negative number, found '4K,70'", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void HistogramFileValuesAndSampling()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"zl-scen-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "hold.csv"), "100ms,3\n1s,1\n");
            File.WriteAllText(Path.Combine(dir, "s.yaml"), "machine: {mem: 1G}\nphases:\n  - duration: 1min\n    actors:\n      - {type: cma, device: gpu, size: 4M, hold: {dist: histogram, file: hold.csv}}\n");
            Scenario s = ScenarioLoader.LoadFile(Path.Combine(dir, "s.yaml"));
            ScenarioDistribution hold = ((CmaActor)s.Phases[0].Actors[0]).Hold!;
            Assert.Equal(new HistogramBucket[] { new(0.1, 3), new(1, 1) }, hold.Buckets);
            Assert.Equal("hold.csv", hold.File);
            Assert.Equal((0.1 * 3 + 1) / 4, hold.Mean, 12);
            var rng = new Random(1);
            int fast = Enumerable.Range(0, 4000).Count(_ => hold.Sample(rng) == 0.1);
            Assert.InRange(fast, 2800, 3200); // weight 3 of 4
            Assert.Equal(s, ScenarioLoader.Load(ScenarioWriter.Write(s), "w.yaml", dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void DistributionSamplesHaveTheirMeans()
    {
        var rng = new Random(7);
        foreach (ScenarioDistribution d in new[]
        {
            new ScenarioDistribution(DistributionKind.Uniform, QuantityUnit.Seconds, 2, 4, [], null),
            new ScenarioDistribution(DistributionKind.Exponential, QuantityUnit.Seconds, 3, 0, [], null),
            new ScenarioDistribution(DistributionKind.LogNormal, QuantityUnit.Seconds, 3, 0.5, [], null),
        })
        {
            double mean = Enumerable.Range(0, 200_000).Average(_ => d.Sample(rng));
            Assert.InRange(mean, d.Mean * 0.98, d.Mean * 1.02);
        }

        Assert.Equal(3 * Math.Exp(0.125), new ScenarioDistribution(DistributionKind.LogNormal, QuantityUnit.Count, 3, 0.5, [], null).Mean, 12);
    }
}

public class QuantityTests
{
    [Theory]
    [InlineData("4096", QuantityUnit.Bytes, 4096)]
    [InlineData("0x1000", QuantityUnit.Bytes, 4096)]
    [InlineData("4K", QuantityUnit.Bytes, 4096)]
    [InlineData("1.5G", QuantityUnit.Bytes, 1610612736)]
    [InlineData("512MiB", QuantityUnit.Bytes, 536870912)]
    [InlineData("250us", QuantityUnit.Seconds, 0.00025)]
    [InlineData("100ms", QuantityUnit.Seconds, 0.1)]
    [InlineData("5min", QuantityUnit.Seconds, 300)]
    [InlineData("2h", QuantityUnit.Seconds, 7200)]
    [InlineData("7", QuantityUnit.Seconds, 7)]
    [InlineData("5%", QuantityUnit.Fraction, 0.05)]
    [InlineData("0.25", QuantityUnit.Fraction, 0.25)]
    [InlineData("64MiB/s", QuantityUnit.BytesPerSecond, 67108864)]
    [InlineData("64M/s", QuantityUnit.BytesPerSecond, 67108864)]
    [InlineData("12.8GB/s", QuantityUnit.BytesPerSecond, 12.8e9)]
    [InlineData("1.2345KB/s", QuantityUnit.BytesPerSecond, 1234.5)]
    [InlineData("100/s", QuantityUnit.PerSecond, 100)]
    [InlineData("30/min", QuantityUnit.PerSecond, 0.5)]
    public void ParseAndFormatRoundTrip(string text, QuantityUnit unit, double expected)
    {
        Assert.True(Quantities.TryParse(text, unit, out double v, out _));
        Assert.Equal(expected, v, 9);
        Assert.True(Quantities.TryParse(Quantities.Format(v, unit), unit, out double back, out _));
        Assert.Equal(v, back);
    }

    [Theory]
    [InlineData("1.5", QuantityUnit.Bytes)]
    [InlineData("4KB", QuantityUnit.Bytes)]
    [InlineData("-1s", QuantityUnit.Seconds)]
    [InlineData("101%", QuantityUnit.Fraction)]
    [InlineData("1.5", QuantityUnit.Fraction)]
    [InlineData("64M", QuantityUnit.BytesPerSecond)]
    [InlineData("fast", QuantityUnit.PerSecond)]
    [InlineData("NaN", QuantityUnit.Count)]
    public void Rejected(string text, QuantityUnit unit) => Assert.False(Quantities.TryParse(text, unit, out _, out _));
}
