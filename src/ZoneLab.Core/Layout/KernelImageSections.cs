namespace ZoneLab.Layout;

/// <summary>
/// One of the kernel image's /proc/iomem resources: its name and its first and last byte as offsets from
/// <c>_text</c>. x86 setup_arch() registers "Kernel code" (<c>_text</c>.. <c>_etext</c>-1), "Kernel rodata"
/// (<c>__start_rodata</c>..<c>__end_rodata</c>-1), "Kernel data" (<c>_sdata</c>..<c>_edata</c>-1) and "Kernel bss"
/// (<c>__bss_start</c>..<c>__bss_stop</c>-1); arm64 request_standard_resources() registers "Kernel code"
/// (<c>_stext</c>..<c>__init_begin</c>-1) and "Kernel data" (<c>_sdata</c>..<c>_end</c>-1).
/// </summary>
public readonly record struct KernelImageSection(string Name, ulong StartOffset, ulong LastOffset);

/// <summary>
/// The section boundaries of the preset builds (link-time constants of each vmlinux, read from that build's own
/// /proc/iomem with the image at a known address: QEMU's RAM + 2 MiB on arm64, LOAD_PHYSICAL_ADDR with nokaslr on x86).
/// </summary>
public static class KernelImageSections
{
    /// <summary>linux-image-6.1.0-56-arm64: code 0x40210000-0x4185ffff, data 0x41eb0000-0x4220ffff with _text at 0x40200000.</summary>
    public static IReadOnlyList<KernelImageSection> DebianArm64 { get; } = new KernelImageSection[]
    {
        new("Kernel code", 0x10000, 0x165ffff),
        new("Kernel data", 0x1cb0000, 0x200ffff),
    };

    /// <summary>linux-image-6.1.0-56-amd64 with _text at 0x1000000 (nokaslr).</summary>
    public static IReadOnlyList<KernelImageSection> DebianAmd64 { get; } = new KernelImageSection[]
    {
        new("Kernel code", 0x0, 0xe01d31),
        new("Kernel rodata", 0x1000000, 0x18eafff),
        new("Kernel data", 0x1a00000, 0x1c4897f),
        new("Kernel bss", 0x2310000, 0x33fffff),
    };

    /// <summary>The x86 oracle's CMA build of linux-source-6.1 with _text at 0x1000000 (nokaslr).</summary>
    public static IReadOnlyList<KernelImageSection> CmaAmd64 { get; } = new KernelImageSection[]
    {
        new("Kernel code", 0x0, 0xa01ab1),
        new("Kernel rodata", 0xc00000, 0xf62fff),
        new("Kernel data", 0x1000000, 0x120c3bf),
        new("Kernel bss", 0x1795000, 0x27fffff),
    };
}
