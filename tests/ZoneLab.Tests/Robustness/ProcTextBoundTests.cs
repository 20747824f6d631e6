using ZoneLab.Procfs;

namespace ZoneLab.Tests.Robustness;

/// <summary>The device-snapshot readers read through the same bounded reader as every other input.</summary>
public sealed class ProcTextBoundTests
{
    [Fact]
    public void ADeviceIsRefusedNotReadForever()
    {
        // /dev/zero reports length 0, so only a bounded read stops: 64 KiB of NULs without a line end is not /proc text
        var e = Assert.Throws<ZoneLabInputException>(() => BuddyinfoReader.Read("/dev/zero", "buddyinfo"));
        Assert.StartsWith("buddyinfo:1: ", e.Message);
    }
}
