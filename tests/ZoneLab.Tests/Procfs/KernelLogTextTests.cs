using ZoneLab.Procfs;

namespace ZoneLab.Tests.Procfs;

/// <summary>The carriers a kernel log line arrives in, as they appear in the real fixtures of Fixtures/explain.</summary>
public sealed class KernelLogTextTests
{
    [Theory]
    [InlineData("[ 1186.232623] Node 0 DMA free:13312kB", "Node 0 DMA free:13312kB")] // dmesg
    [InlineData("[  183.369581][ T2438] DMA free:15296kB", "DMA free:15296kB")] // printk caller id
    [InlineData("Sep  8 16:40:44 knalp3 kernel: DMA free:11264kB", "DMA free:11264kB")] // syslog
    [InlineData("Dec  8 01:56:31 host kernel: [106464.880325] Node 0 DMA free:13820kB", "Node 0 DMA free:13820kB")] // syslog + timestamp
    [InlineData("[Fri Aug 11 16:51:47 2017] Node 0 DMA free:15896kB", "Node 0 DMA free:15896kB")] // dmesg -T
    [InlineData("kern  :warn  : [   38.984654] lowmem_reserve[]: 0 3430", "lowmem_reserve[]: 0 3430")] // dmesg -x
    [InlineData("4,19685373,241227987551,-,caller=T12845;lowmem_reserve[]: 0 0 40960", "lowmem_reserve[]: 0 0 40960")] // /dev/kmsg
    [InlineData("<4>[  261.841770] Normal free:1kB", "Normal free:1kB")] // printk level
    [InlineData(">>> [  785.581386] lowmem_reserve[]: 0 3444", "lowmem_reserve[]: 0 3444")] // mail quoting
    public void OneLine(string raw, string expected)
    {
        KernelLogLine line = Assert.Single(KernelLogText.Clean(raw));
        Assert.Equal(expected, line.Text);
    }

    [Fact]
    public void QuotedPrintable_SoftBreaksAndEscapes()
    {
        // As in the x86_64-4.4 vhost fixture: "=3D", and a soft line break ("=" at the end) inside a buddy line.
        var lines = KernelLogText.Clean("Content-Transfer-Encoding: quoted-printable\n[ 5071.212637] DMA: 0*4kB 3*4096kB (M) =3D =\n15840kB\n");
        Assert.Equal("DMA: 0*4kB 3*4096kB (M) = 15840kB", lines[1].Text);
        Assert.Equal(2, lines[1].Line);
    }

    [Fact]
    public void RsyslogEscapedNewlines_SplitOnTheSameLine()
    {
        var lines = KernelLogText.Clean("Sep  8 16:40:44 knalp3 kernel: active_anon:5244#012 active_file:1098885#012 free:98085");
        Assert.Equal(new[] { "active_anon:5244", "active_file:1098885", "free:98085" }, lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal(1, l.Line));
    }

    [Fact]
    public void TimestampInTheMiddle_StartsANewLine()
    {
        // From the arm-4.9 RZ/A1 fixture: the mail client joined the node line and the zone line.
        var lines = KernelLogText.Clean("pages_scanned:0 all_unreclaimable? no [  776.233602] Normal");
        Assert.Equal(new[] { "pages_scanned:0 all_unreclaimable? no", "Normal" }, lines.Select(l => l.Text));
    }
}
