using ZoneLab.Workloads;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// Every validation error of <see cref="ScenarioLoader"/>: one exception naming file:line:column, the key path and
/// what was expected. The column is where the offending token starts in the text (found with IndexOf, 1-based).
/// </summary>
public class ScenarioValidationTests
{
    private const string Head = "machine: {mem: 1G}\nphases:\n  - duration: 1min\n    actors:\n";

    /// <summary>Loads <paramref name="yaml"/>, expects one error at the line holding <paramref name="at"/> and its column.</summary>
    private static void Fails(string yaml, string at, string message, int occurrence = 1)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load(yaml, "s.yaml"));
        string[] lines = yaml.Split('\n');
        int seen = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            int col = lines[i].IndexOf(at, StringComparison.Ordinal);
            if (col >= 0 && ++seen == occurrence)
            {
                Assert.Equal($"s.yaml:{i + 1}:{col + 1}: {message}", e.Message);
                Assert.Equal((i + 1, col + 1), (e.Line, e.Column));
                return;
            }
        }

        Assert.Fail($"'{at}' not in the yaml; error was: {e.Message}");
    }

    private static void ActorFails(string actor, string at, string message) => Fails(Head + "      - " + actor + "\n", at, message);

    [Fact]
    public void YamlSyntax()
    {
        Fails("machine:\n  mem: 1G\n mem: 2G\nphases: []\n", "mem: 2G", "not valid YAML: While parsing a block mapping, did not find expected key.");
        // YamlDotNet's scanner fails here with InvalidOperationException: the error goes after the last parsed token.
        Fails("machine: {mem: 1G\nphases: []\n", ": 1G", "not valid YAML: the text after here does not parse (an unclosed '{' or '['?)");
        Fails("machine: {mem: 1G}\nphases: [\n", "", "not valid YAML: While parsing a node, did not find expected node content.", occurrence: 3);
    }

    [Fact]
    public void KeysMustBePlainAndPresent()
    {
        // YamlDotNet's representation model throws ArgumentException on an empty key; the syntax pass reports it first.
        Fails("machine:\n  : q35\nphases: [{duration: 1s}]\n", " q35", "not valid here: a key is missing before ':'");
        Fails("machine: {mem: 1G}\n[a, b]: 1\nphases: [{duration: 1s}]\n", "[a, b]", "not valid here: expected a plain key");
    }

    [Fact]
    public void EmptyFileAndSeveralDocuments()
    {
        var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load("", "s.yaml"));
        Assert.Equal("s.yaml:1:1: the file is empty", e.Message);
        e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load("a: 1\n---\nb: 2\n", "s.yaml"));
        Assert.Equal("s.yaml:1:1: expected one YAML document, found several", e.Message);
    }

    [Fact]
    public void TopIsNotAMapping() =>
        Fails("- a\n- b\n", "- a", ": expected a mapping of name, description, kernel, seed, machine, designs, variants, phases, found a list");

    [Fact]
    public void UnknownTopKeyWithDidYouMean() =>
        Fails("machine: {mem: 1G}\nphase:\n  - duration: 1s\n", "phase", "phase: unknown key; did you mean 'phases'? (allowed here: name, description, kernel, seed, machine, designs, variants, phases)");

    [Fact]
    public void UnknownKeyWithoutNearMatch() =>
        Fails("machine: {mem: 1G}\nphases: [{duration: 1s}]\nwhatever: 1\n", "whatever", "whatever: unknown key (allowed here: name, description, kernel, seed, machine, designs, variants, phases)");

    [Fact]
    public void DuplicateKey() =>
        Fails("machine: {mem: 1G}\nseed: 1\nphases: [{duration: 1s}]\nseed: 2\n", "seed", "not valid YAML: Duplicate key seed", occurrence: 2);

    [Fact]
    public void MissingMachineAndPhases()
    {
        Fails("phases: [{duration: 1s}]\n", "phases", "machine: missing required key 'machine'");
        Fails("machine: {mem: 1G}\n", "machine", "phases: missing required key 'phases'");
    }

    [Fact]
    public void KernelAndSeed()
    {
        Fails("kernel: linus\nmachine: {mem: 1G}\nphases: [{duration: 1s}]\n", "linus", "kernel: expected a kernel version such as 4.10, 6.1 or 6.12, found 'linus'");
        Fails("seed: 1.5\nmachine: {mem: 1G}\nphases: [{duration: 1s}]\n", "1.5", "seed: expected an integer -9223372036854775808..9223372036854775807, found '1.5'");
    }

    [Fact]
    public void MachineMemorySources()
    {
        const string t = "phases: [{duration: 1s}]\n";
        Fails("machine: {cmdline: x}\n" + t, "{cmdline", "machine: give the memory with 'mem', 'dmesg', 'dtb' or 'memory'");
        Fails("machine: {mem: 1G, dmesg: boot.log}\n" + t, "1G", "machine.mem: 'mem' does not go with 'dmesg' (the boot log describes the machine itself)");
        Fails("machine: {dmesg: boot.log, numa: [1G]}\n" + t, "[1G]", "machine.numa: 'numa' does not go with 'dmesg' (the boot log describes the machine itself)");
        Fails("machine: {dtb: a.dtb, numa: [1G]}\n" + t, "[1G]", "machine.numa: 'numa' goes with 'mem' (the node sizes split it)");
        Fails("machine: {dtb: a.dtb, type: pc}\n" + t, "pc", "machine.type: a device tree is arm64 boot input: 'type' must be virt, not 'pc'");
        Fails("machine: {type: q35, cmdline: x}\n" + t, "{type", "machine: give the memory with 'mem', 'dmesg', 'dtb' or 'memory'");
    }

    [Fact]
    public void MachineValues()
    {
        Fails("machine: {mem: 32M}\nphases: [{duration: 1s}]\n", "32M", "machine.mem: must be at least 64M, found '32M'");
        Fails("machine: {mem: lots}\nphases: [{duration: 1s}]\n", "lots", "machine.mem: expected a size such as 4096, 4K, 32M, 1.5G or 512MiB, found 'lots'");
        Fails("machine: {mem: 4G, numa: [1G, 2G]}\nphases: [{duration: 1s}]\n", "[1G", "machine.numa: node sizes add up to 3G but mem is 4G; QEMU requires them to be equal");
        Fails("machine: {mem: 4G, numa: []}\nphases: [{duration: 1s}]\n", "[]", "machine.numa: the list is empty");
        Fails("machine: {mem: 4G, numa: [4G, 0]}\nphases: [{duration: 1s}]\n", "0]", "machine.numa[1]: must be greater than 0, found '0'");
        Fails("machine: {mem: 4G, type: q53}\nphases: [{duration: 1s}]\n", "q53", "machine.type: unknown value 'q53'; did you mean 'q35'? (one of: pc, q35, virt)");
        Fails("machine: {mem: 4G, cmdline: {a: b}}\nphases: [{duration: 1s}]\n", "{a: b}", "machine.cmdline: expected a string, found a mapping");
        Fails("machine: {mem: 4G, memroy_controllers: []}\nphases: [{duration: 1s}]\n", "memroy", "machine.memroy_controllers: unknown key; did you mean 'memory_controllers'? (allowed here: mem, numa, type, dmesg, dtb, memory, memory_controllers, kernel_traffic, cmdline, sysctls, swap, contig_costs)");
    }

    [Fact]
    public void ReferencedFilesMustExist()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"zl-scen-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string yaml = "machine: {dmesg: boot.log}\nphases: [{duration: 1s}]\n";
            File.WriteAllText(Path.Combine(dir, "s.yaml"), yaml);
            var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.LoadFile(Path.Combine(dir, "s.yaml")));
            Assert.Equal($"{Path.Combine(dir, "s.yaml")}:1:18: machine.dmesg: file not found: boot.log (relative to the scenario's folder)", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MemoryControllers()
    {
        const string h = "machine:\n  mem: 4G\n  memory_controllers:\n";
        const string t = "phases: [{duration: 1s}]\n";
        Fails(h + "    - {name: a, bandwidth: 1GB/s}\n" + t, "{name", "machine.memory_controllers[0]: missing required key 'ranges'");
        Fails(h + "    - {ranges: [1G], bandwidth: 1GB/s}\n" + t, "1G]", "machine.memory_controllers[0].ranges[0]: expected a range SIZE@BASE (1G@0x40000000) or START-END (0x40000000-0x7fffffff), found '1G'");
        Fails(h + "    - {ranges: [\"1G@0\"], bandwidth: fast}\n" + t, "fast", "machine.memory_controllers[0].bandwidth: expected a rate such as 64MiB/s, 64M/s or 12.8GB/s, found 'fast'");
        Fails(h + "    - {ranges: [\"1G@0\"]}\n" + t, "{ranges", "machine.memory_controllers[0]: missing required key 'bandwidth'");
        Fails(h + "    - {name: a, ranges: [\"1G@0\"], bandwidth: 1GB/s}\n    - {name: b, ranges: [\"0x3ff00000-0x4fffffff\"], bandwidth: 1GB/s}\n" + t,
            "\"0x3ff", "machine.memory_controllers[1].ranges[0]: overlaps 1G@0x0 of memory controller 'a'");
        Fails(h + "    - {name: a, ranges: [\"1G@0\"], bandwidth: 1GB/s}\n    - {name: a, ranges: [\"1G@1G\"], bandwidth: 1GB/s}\n" + t,
            "a, ranges: [\"1G@1G", "machine.memory_controllers[1].name: a second memory controller named 'a'");
    }

    [Fact]
    public void Sysctls()
    {
        const string h = "machine:\n  mem: 4G\n  sysctls:\n";
        const string t = "phases: [{duration: 1s}]\n";
        Fails(h + "    vm.min_free_kbyte: 1\n" + t, "vm.min", "machine.sysctls.vm.min_free_kbyte: unknown key; did you mean 'vm.min_free_kbytes'? (allowed here: vm.min_free_kbytes, vm.watermark_scale_factor, vm.watermark_boost_factor, vm.extfrag_threshold, vm.compaction_proactiveness, vm.percpu_pagelist_high_fraction, vm.zone_reclaim_mode, vm.swappiness, vm.dirty_ratio, vm.dirty_background_ratio, vm.overcommit_memory, vm.lowmem_reserve_ratio, transparent_hugepage, transparent_hugepage_defrag)");
        Fails(h + "    vm.watermark_scale_factor: 5000\n" + t, "5000", "machine.sysctls.vm.watermark_scale_factor: expected an integer 1..3000, found '5000'");
        Fails(h + "    vm.percpu_pagelist_high_fraction: 5\n" + t, "5", "machine.sysctls.vm.percpu_pagelist_high_fraction: expected 0 or an integer of at least 8 (MIN_PERCPU_PAGELIST_HIGH_FRACTION), found '5'");
        Fails(h + "    transparent_hugepage: sometimes\n" + t, "sometimes", "machine.sysctls.transparent_hugepage: expected one of always, madvise, never, found 'sometimes'");
        Fails(h + "    vm.lowmem_reserve_ratio: [256, -1]\n" + t, "[256", "machine.sysctls.vm.lowmem_reserve_ratio: expected one to six integers 0..2147483647 (one per zone type, INT_MAX as the kernel's int array), e.g. 256 256 32 0 0, found '256 -1'");
    }

    [Fact]
    public void Designs()
    {
        const string t = "machine: {mem: 1G}\nphases: [{duration: 1s}]\n";
        Fails("designs: [zone_cma]\n" + t, "zone_cma", "designs[0]: unknown value 'zone_cma'; did you mean 'zone-cma'? (one of: migrate-cma, zone-cma, cma-in-movable, dmb, carveout, gcma, sticky-movable)");
        Fails("designs: [dmb, dmb]\n" + t, "dmb]", "designs[1]: 'dmb' is listed twice");
        Fails("designs: []\n" + t, "[]", "designs: the list is empty");
        Fails("designs: some\n" + t, "some", "designs: expected a list, found 'some'");
    }

    [Fact]
    public void Phases()
    {
        const string m = "machine: {mem: 1G}\n";
        Fails(m + "phases: []\n", "[]", "phases: the list is empty");
        Fails(m + "phases: [nope]\n", "nope", "phases[0]: expected a mapping of name, duration, actors, found 'nope'");
        Fails(m + "phases: [{name: a}]\n", "{name", "phases[0]: missing required key 'duration'");
        Fails(m + "phases: [{duration: 0s}]\n", "0s", "phases[0].duration: must be greater than 0s, found '0s'");
        Fails(m + "phases: [{duration: soon}]\n", "soon", "phases[0].duration: expected a time such as 250us, 100ms, 10s, 5min or 2h, found 'soon'");
        Fails(m + "phases: [{name: a, duration: 1s}, {name: a, duration: 1s}]\n", "a, duration: 1s}]", "phases[1].name: a second phase named 'a'");
        Fails(m + "phases: [{duration: 1s, actor: []}]\n", "actor:", "phases[0].actor: unknown key; did you mean 'actors'? (allowed here: name, duration, actors)");
        Fails(m + "phases: [{duration: }]\n", "}]", "phases[0].duration: a value is required");
        Fails(m + "phases: [{duration: [1s]}]\n", "[1s]", "phases[0].duration: expected a single value, found a list");
    }

    [Fact]
    public void ActorTypeAndCommonKeys()
    {
        ActorFails("x", "x", "phases[0].actors[0]: expected a mapping with 'type', found 'x'");
        ActorFails("{rate: 1M/s}", "{rate", "phases[0].actors[0]: missing required key 'type' (one of: anon, page_cache, slab, atomic, thp, cma, gigantic, offline, online, drop_caches)");
        ActorFails("{type: page-cache, rate: 1M/s}", "page-cache", "phases[0].actors[0].type: unknown value 'page-cache'; did you mean 'page_cache'? (one of: anon, page_cache, slab, atomic, thp, cma, gigantic, offline, online, drop_caches)");
        ActorFails("{type: slab, kind: unmovable, rate: 1/s, pinned: 1%}", "pinned", "phases[0].actors[0].pinned: unknown key (allowed here: type, name, start, stop, access, node, kind, rate, orders, lifetime, limit)");
        ActorFails("{type: anon, rate: 1M/s, lifetme: 1s}", "lifetme", "phases[0].actors[0].lifetme: unknown key; did you mean 'lifetime'? (allowed here: type, name, start, stop, access, node, rate, lifetime, pinned, limit, mappers)");
        ActorFails("{type: anon, rate: 1M/s, start: 2min}", "2min", "phases[0].actors[0].start: starts at or after the end of the phase (60s)");
        ActorFails("{type: anon, rate: 1M/s, start: 5s, stop: 5s}", "5s}", "phases[0].actors[0].stop: must be between 5s and 60s, found '5s'");
        ActorFails("{type: anon, rate: 1M/s, access: 3}", "3}", "phases[0].actors[0].access: expected a rate such as 64MiB/s, 64M/s or 12.8GB/s, found '3'");
        Fails(Head + "      - {type: anon, rate: 1M/s}\n      - {type: anon, rate: 2M/s}\n", "{type: anon, rate: 2M/s}", "phases[0].actors[1].name: a second actor named 'anon' in this phase");
    }

    [Fact]
    public void AnonPageCacheSlab()
    {
        ActorFails("{type: anon}", "{type", "phases[0].actors[0]: missing required key 'rate'");
        ActorFails("{type: anon, rate: 1M}", "1M}", "phases[0].actors[0].rate: expected a rate such as 64MiB/s, 64M/s or 12.8GB/s, found '1M'");
        ActorFails("{type: anon, rate: 1M/s, pinned: 150%}", "150%", "phases[0].actors[0].pinned: expected a fraction 0..1 or a percentage such as 5%, found '150%'");
        ActorFails("{type: anon, rate: 1M/s, limit: 0}", "0}", "phases[0].actors[0].limit: must be greater than 0, found '0'");
        ActorFails("{type: page_cache, rate: 1M/s, highmem: maybe}", "maybe", "phases[0].actors[0].highmem: expected true or false, found 'maybe'");
        ActorFails("{type: slab, rate: 1/s}", "{type", "phases[0].actors[0]: missing required key 'kind'");
        ActorFails("{type: slab, kind: movable, rate: 1/s}", "movable", "phases[0].actors[0].kind: unknown value 'movable'; did you mean 'unmovable'? (one of: unmovable, reclaimable)");
        ActorFails("{type: slab, kind: unmovable, rate: 1/s, orders: [1, 1, 1, 1, 1]}", "[1, 1", "phases[0].actors[0].orders: expected 1 to 4 weights for orders 0..3, found 5");
        ActorFails("{type: slab, kind: unmovable, rate: 1/s, orders: [0, 0]}", "[0, 0]", "phases[0].actors[0].orders: the weights add up to 0");
        ActorFails("{type: slab, kind: unmovable, rate: 1/s, orders: {4: 1}}", "4: 1", "phases[0].actors[0].orders.4: unknown key (allowed here: 0, 1, 2, 3)");
    }

    [Fact]
    public void AtomicThpCmaGiganticOfflineDropCaches()
    {
        ActorFails("{type: atomic, order: 4, burst: 1, interval: 1s, lifetime: 1ms}", "4,", "phases[0].actors[0].order: expected an integer 0..3, found '4'");
        ActorFails("{type: atomic, interval: 1s, lifetime: 1ms}", "{type", "phases[0].actors[0]: missing required key 'burst'");
        ActorFails("{type: thp, rate: often}", "often", "phases[0].actors[0].rate: expected a rate such as 100/s or 30/min, found 'often'");
        ActorFails("{type: cma, size: 4M}", "{type", "phases[0].actors[0]: missing required key 'device'");
        ActorFails("{type: cma, device: isp, size: 0}", "0}", "phases[0].actors[0].size: must be greater than 0, found '0'");
        ActorFails("{type: cma, device: isp, size: 4M, count: 0}", "0}", "phases[0].actors[0].count: expected an integer 1..1048576, found '0'");
        ActorFails("{type: cma, device: isp, size: 4M, period: 0s}", "0s", "phases[0].actors[0].period: must be greater than 0s, found '0s'");
        ActorFails("{type: gigantic, size: huge}", "huge", "phases[0].actors[0].size: expected a size such as 4096, 4K, 32M, 1.5G or 512MiB, found 'huge'");
        ActorFails("{type: offline}", "{type", "phases[0].actors[0]: missing required key 'blocks'");
        ActorFails("{type: offline, blocks: 0}", "0}", "phases[0].actors[0].blocks: expected an integer 1..2147483647, found '0'");
        ActorFails("{type: offline, blocks: [3, 3]}", "3]", "phases[0].actors[0].blocks[1]: memory block 3 is listed twice");
        ActorFails("{type: drop_caches, mode: 4}", "4}", "phases[0].actors[0].mode: expected an integer 1..3, found '4'");
    }

    [Fact]
    public void Distributions()
    {
        ActorFails("{type: anon, rate: {mean: 1M/s}}", "{mean", "phases[0].actors[0].rate: missing required key 'dist' (one of: constant, uniform, exponential, lognormal, histogram)");
        ActorFails("{type: anon, rate: {dist: normal, mean: 1M/s}}", "normal", "phases[0].actors[0].rate.dist: unknown value 'normal'; did you mean 'lognormal'? (one of: constant, uniform, exponential, lognormal, histogram)");
        ActorFails("{type: anon, rate: [1M/s]}", "[1M/s]", "phases[0].actors[0].rate: expected a rate such as 64MiB/s, 64M/s or 12.8GB/s or a distribution {dist: ...}, found a list");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: uniform, min: 5s, max: 1s}}", "1s}", "phases[0].actors[0].lifetime.max: is smaller than min (5s)");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: exponential, mean: 0s}}", "0s}", "phases[0].actors[0].lifetime.mean: must be greater than 0s, found '0s'");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: lognormal, median: 1s}}", "{dist", "phases[0].actors[0].lifetime: missing required key 'sigma'");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: lognormal, mu: 1, sigma: 1}}", "mu", "phases[0].actors[0].lifetime.mu: unknown key (allowed here: dist, median, sigma)");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: constant}}", "{dist", "phases[0].actors[0].lifetime: missing required key 'value'");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: histogram}}", "{dist", "phases[0].actors[0].lifetime: a histogram needs exactly one of 'buckets' or 'file'");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: histogram, buckets: [1s]}}", "1s]", "phases[0].actors[0].lifetime.buckets[0]: expected a pair [value, weight], found '1s'");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: histogram, buckets: [[1s, 0]]}}", "[[1s", "phases[0].actors[0].lifetime: the weights add up to 0");
        ActorFails("{type: anon, rate: 1M/s, lifetime: {dist: histogram, buckets: [[1s, -1]]}}", "-1", "phases[0].actors[0].lifetime.buckets[0][1]: expected a non-negative number, found '-1'");
    }
}
