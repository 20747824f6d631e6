using ZoneLab.Layout;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// A real 32-bit x86 boot log (Fixtures/real-x86-32bit, SOURCE.md) given to <c>layout --dmesg</c>: the model computes
/// x86_64 boots, so the log is refused on the first line only a 32-bit kernel prints.
/// </summary>
public sealed class Real32BitLogTests
{
    [Fact]
    public void HighmemKernelsLogIsRefusedOnItsInitmemInitLine()
    {
        string path = FixturePath.Get("real-x86-32bit", "lenovo-i386-6.11rc1-highmem", "dmesg.txt");
        var e = Assert.Throws<ZoneLabInputException>(() => DmesgReader.ReadFile(path));
        // line 22 of the excerpt is "[    0.012202] 2184MB HIGHMEM available." (arch/x86/mm/init_32.c initmem_init());
        // before, the reader went on and refused line 28 ("Normal [mem ...-0x375fdfff]") as a damaged log
        Assert.StartsWith("dmesg.txt:22: '2184MB HIGHMEM available.' is printed only by a 32-bit x86 kernel", e.Message, StringComparison.Ordinal);
    }
}
