namespace ZoneLab.Tests.Cli;

public class ProcCommandTests
{
    [Fact]
    public void FreshTwoGigabyteGuestBuddyinfoOfDma()
    {
        // DMA present [1,159) + [256,4096) = 3998 pages, managed 3840 (all below 1 MiB reserved; the model keeps
        // present - managed = 158 pages reserved at the zone's lowest pfns, i.e. all of [1,159)).
        // Free [256, 4096) in naturally aligned blocks: [256,512) order 8, [512,1024) order 9, then 3 × order 10.
        var (exit, stdout, _) = ZonelabProcess.Run("proc", "--mem", "2G", "--format", "buddyinfo");
        Assert.Equal(0, exit);
        string dma = stdout.Split('\n')[0];
        Assert.Equal("Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 ", dma);
    }

    [Fact]
    public void BadKernelVersionIsAOneLineError()
    {
        var (exit, _, stderr) = ZonelabProcess.Run("proc", "--mem", "2G", "--kernel", "banana");
        Assert.Equal(2, exit);
        Assert.Contains("--kernel: 'banana' is not a kernel version", stderr);
    }
}
