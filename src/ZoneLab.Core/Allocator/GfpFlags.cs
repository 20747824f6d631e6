namespace ZoneLab.Allocator;

/// <summary>
/// GFP bits with the values of Linux 6.1 (include/linux/gfp_types.h, CONFIG_LOCKDEP off, KASAN off).
/// Composite masks (<c>GFP_KERNEL</c>, ...) are in <see cref="Gfp"/>.
/// </summary>
[Flags]
public enum GfpFlags : uint
{
    /// <summary>No bit.</summary>
    None = 0,
    Dma = 0x01,
    Highmem = 0x02,
    Dma32 = 0x04,
    Movable = 0x08,
    Reclaimable = 0x10,
    High = 0x20,
    Io = 0x40,
    Fs = 0x80,
    Zero = 0x100,
    Atomic = 0x200,
    DirectReclaim = 0x400,
    KswapdReclaim = 0x800,
    Write = 0x1000,
    NoWarn = 0x2000,
    RetryMayfail = 0x4000,
    NoFail = 0x8000,
    NoRetry = 0x10000,
    Memalloc = 0x20000,
    Comp = 0x40000,
    NoMemalloc = 0x80000,
    Hardwall = 0x100000,
    ThisNode = 0x200000,
    Account = 0x400000,
    ZeroTags = 0x800000,
    SkipZero = 0x1000000,
    SkipKasanUnpoison = 0x2000000,
    SkipKasanPoison = 0x4000000,
}
