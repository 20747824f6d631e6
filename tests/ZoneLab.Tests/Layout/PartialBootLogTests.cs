using ZoneLab.Layout;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// Real boot log lines of mem=/memmap= users that were quoted, not attached, in public threads
/// (Fixtures/real-x86-partial/*, each with SOURCE.md): the e820 map and the user-defined map the kernel printed after
/// parse_memopt()/parse_memmap_one(), and where quoted the "Memory: A/TK available" total. Too short for
/// <see cref="RealBootLogTests"/> (no zone or node lines); the model's user-defined map and present pages must equal
/// them. An <c>args.txt</c> holds a kernel argument the quote shows only by its effect (and its SOURCE.md says why).
/// </summary>
public class PartialBootLogTests
{
    public static TheoryData<string> Logs()
    {
        var data = new TheoryData<string>();
        foreach (string d in Directory.GetDirectories(FixturePath.Get("real-x86-partial")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(d));
        }
        return data;
    }

    private static (RealBootLogLines Real, BootLayout Layout) Run(string name)
    {
        string dir = FixturePath.Get("real-x86-partial", name);
        Assert.True(File.Exists(Path.Combine(dir, "SOURCE.md")), $"{name}: SOURCE.md (where the log came from) is missing");
        string args = Path.Combine(dir, "args.txt");
        var builder = new LayoutBuilder().FromDmesg(Path.Combine(dir, "dmesg.txt"));
        if (File.Exists(args))
        {
            builder.WithExtraArgs(File.ReadAllText(args).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return (RealBootLogLines.Parse(File.ReadLines(Path.Combine(dir, "dmesg.txt"))), builder.Build());
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public void UserDefinedMapIsTheKernels(string name)
    {
        (RealBootLogLines real, BootLayout layout) = Run(name);
        Assert.NotEmpty(real.UserMap);
        Assert.Equal(real.UserMap, layout.UserDefinedE820!.Entries.Select(e => e.ToString()));
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public void MemoryLineTotalIsTheKernels(string name)
    {
        (RealBootLogLines real, BootLayout layout) = Run(name);
        if (real.MemoryTotalKb is ulong total)
        {
            Assert.Equal(total, (ulong)layout.Nodes.Sum(n => (decimal)n.PresentPages) * (Page.Size / 1024));
        }
    }

    [Fact]
    public void TheMem4GLogKeepsTheRamBelow4G()
    {
        (RealBootLogLines real, BootLayout layout) = Run("dell-128g-5.16rc1-mem4G");
        // by hand: pfn 1-0x99 (below the 0x9ac00 end: 153 pages) and 0x100-0x7dd3a (515131 pages) = 515284 pages
        Assert.Equal(515284UL, layout.Nodes.Single().PresentPages);
        Assert.Equal(2061136UL, real.MemoryTotalKb);
    }
}
