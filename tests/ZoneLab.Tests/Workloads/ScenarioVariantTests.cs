using ZoneLab.Layout;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>Scenario <c>variants:</c> and arm64 <c>machine.memory</c> ranges: loading, errors with file:line, round trip.</summary>
public class ScenarioVariantTests
{
    private const string Machine = "machine:\n  memory: [1G@0x40000000, 1G@0x300000000]\n  cmdline: \"cma=64M\"\n";
    private const string Phases = "phases: [{duration: 1s}]\n";

    private const string Variants = """
        variants:
          - name: none
            design: migrate-cma
          - name: dmb
            design: dmb
            cmdline: " movablecore=300M@0x60000000 page_alloc.shuffle=1 "

        """;

    private static void Fails(string yaml, string at, string message)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => ScenarioLoader.Load(yaml, "s.yaml"));
        string[] lines = yaml.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int col = lines[i].IndexOf(at, StringComparison.Ordinal);
            if (col >= 0)
            {
                Assert.Equal($"s.yaml:{i + 1}:{col + 1}: {message}", e.Message);
                return;
            }
        }

        Assert.Fail($"'{at}' not in the yaml; error was: {e.Message}");
    }

    [Fact]
    public void VariantsAndMemoryRangesLoad()
    {
        Scenario s = ScenarioLoader.Load(Machine + Variants + Phases);
        Assert.Equal([new PhysicalRange(0x40000000, 1UL << 30), new PhysicalRange(0x300000000, 1UL << 30)], s.Machine.Memory);
        Assert.True(s.Machine.IsArm64);
        Assert.Equal(
            [new ScenarioVariant("none", "migrate-cma", ""), new ScenarioVariant("dmb", "dmb", "movablecore=300M@0x60000000 page_alloc.shuffle=1")],
            s.Variants);
        // the variant's text goes after the machine's
        Assert.Equal("cma=64M movablecore=300M@0x60000000 page_alloc.shuffle=1", s.Variants[1].Apply(s).Machine.Cmdline);
        Assert.Same(s, s.Variants[0].Apply(s));
    }

    [Fact]
    public void WriterRoundTripsVariantsAndMemory()
    {
        Scenario s = ScenarioLoader.Load(Machine + Variants + Phases, "s.yaml");
        string yaml = ScenarioWriter.Write(s);
        Assert.Contains("  memory: [1G@0x40000000, 1G@0x300000000]\n", yaml);
        Assert.DoesNotContain("designs:", yaml);
        Scenario back = ScenarioLoader.Load(yaml, "w.yaml");
        Assert.Equal(s, back);
        Assert.Equal(yaml, ScenarioWriter.Write(back));
    }

    [Fact]
    public void MemoryRangesBootTheSameArm64PathAsADeviceTreeMemoryNode()
    {
        // 1 GiB at 0x40000000 (pfns 0x40000..0x80000) is below 4 GiB: ZONE_DMA; 1 GiB at 0x300000000 (pfns
        // 0x300000..0x340000) is ZONE_NORMAL, which starts at the 4 GiB DMA limit (pfn 0x100000).
        Scenario s = ScenarioLoader.Load(Machine + Phases);
        BootLayout l = ScenarioBoot.Layout(s.Machine);
        Assert.Equal("arm64", l.Arch);
        ZoneLayout dma = l.Nodes[0].Zone(ZoneType.Dma)!;
        ZoneLayout normal = l.Nodes[0].Zone(ZoneType.Normal)!;
        Assert.Equal((0x40000UL, 0x100000UL, 262144UL), (dma.StartPfn, dma.StartPfn + dma.Spanned, dma.Present));
        Assert.Equal((0x100000UL, 0x340000UL, 262144UL), (normal.StartPfn, normal.StartPfn + normal.Spanned, normal.Present));
    }

    [Theory]
    [InlineData("machine: {memory: [1G@0x40000000], mem: 1G}\n", "1G}", "machine.mem: 'mem' does not go with 'memory' (the ranges are the arm64 machine's RAM)")]
    [InlineData("machine: {memory: [1G@0x40000000], type: q35}\n", "q35", "machine.type: 'memory' describes arm64 RAM: 'type' must be virt, not 'q35'")]
    [InlineData("machine: {memory: [1G@0x40000800]}\n", "1G@", "machine.memory[0]: 1G@0x40000800 is not page aligned; expected a base and size that are multiples of 4K")]
    [InlineData("machine: {memory: [1G@0x40000000, 512M@0x60000000]}\n", "512M", "machine.memory[1]: overlaps 1G@0x40000000")]
    [InlineData("machine: {memory: [lots]}\n", "lots", "machine.memory[0]: expected a range SIZE@BASE (1G@0x40000000) or START-END (0x40000000-0x7fffffff), found 'lots'")]
    public void MemoryErrorsNameFileAndLine(string machine, string at, string message) => Fails(machine + Phases, at, message);

    [Theory]
    [InlineData("designs: [dmb]\nvariants: [{name: a, design: dmb}]\n", "[dmb]", "designs: 'designs' does not go with 'variants' (each variant names its design)")]
    [InlineData("variants: [{name: a, design: dmb}, {name: a, design: gcma}]\n", "a, design: gcma", "variants[1].name: a second variant named 'a'")]
    [InlineData("variants: [{name: a, design: dbm}]\n", "dbm", "variants[0].design: unknown value 'dbm'; did you mean 'dmb'? (one of: migrate-cma, zone-cma, cma-in-movable, dmb, carveout, gcma, sticky-movable)")]
    [InlineData("variants: [{name: a}]\n", "{name", "variants[0]: missing required key 'design'")]
    [InlineData("variants: [{design: dmb}]\n", "{design", "variants[0]: missing required key 'name'")]
    [InlineData("variants: [{name: a, design: dmb, cmd: x}]\n", "cmd:", "variants[0].cmd: unknown key; did you mean 'cmdline'? (allowed here: name, design, cmdline, numa)")]
    [InlineData("variants: []\n", "[]", "variants: the list is empty")]
    public void VariantErrorsNameFileAndLine(string variants, string at, string message) => Fails(Machine + variants + Phases, at, message);
}
