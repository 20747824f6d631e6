namespace ZoneLab.Metrics;

/// <summary>
/// One published contiguous-memory area size: where it comes from, the memory it is set against and the area.
/// </summary>
/// <param name="System">The board, device or setting.</param>
/// <param name="Kind">What the area is (DT <c>linux,cma</c> pool, DMBs, <c>hugetlb_cma=</c>, ...).</param>
/// <param name="AreaMiB">The area's size.</param>
/// <param name="MemoryMiB">The memory it is a share of, null when the source does not give it.</param>
/// <param name="Source">The source: file and commit, or mail and message-id.</param>
public readonly record struct PublishedAreaSize(string System, string Kind, double AreaMiB, double? MemoryMiB, string Source)
{
    /// <summary>The area as a share of memory (0..1), null when the memory is not known.</summary>
    public double? Share => MemoryMiB is double m && m > 0 ? AreaMiB / m : null;
}

/// <summary>
/// Published area sizes next to which the compare report sets its own CMA/DMB share (Hildenbrand, DMB RFC 19 Sep 2022:
/// "How large are these areas typically?"). Each row names its source; docs/seed-questions.md lists the same rows.
/// </summary>
public static class PublishedAreaSizes
{
    /// <summary>The rows, smallest share first where the share is known.</summary>
    public static IReadOnlyList<PublishedAreaSize> All { get; } = new PublishedAreaSize[]
    {
        new("Lenovo ThinkPad X13s (Snapdragon 8cx Gen 3)", "DT linux,cma (default pool)", 128, 16384,
            "arch/arm64/boot/dts/qcom/sc8280xp-lenovo-thinkpad-x13s.dts @ 013d01811a1e (size 0x8000000); memory from UEFI, 16 GiB model"),
        new("NXP i.MX 8M Plus EVK", "no DT pool: Debian's CONFIG_CMA_SIZE_MBYTES", 64, 6144,
            "arch/arm64/boot/dts/freescale/imx8mp-evk.dts (memory 3 GiB + 3 GiB) as built in Debian linux-image-6.1.0-56-arm64"),
        new("Raspberry Pi 4 B (4 GiB)", "DT linux,cma in the lowest 1 GiB", 64, 4096,
            "arch/arm64/boot/dts/broadcom/bcm2711-rpi-4-b.dts as built in Debian linux-image-6.1.0-56-arm64 (size 0x4000000; memory filled in by the firmware)"),
        new("Khadas VIM3 (Amlogic A311D)", "DT linux,cma", 256, 2048,
            "arch/arm64/boot/dts/amlogic/meson-g12b-a311d-khadas-vim3.dts and includes as built in Debian linux-image-6.1.0-56-arm64 (size 0x10000000)"),
        new("HiKey (HiSilicon Hi6220, Android reference board)", "DT linux,cma", 128, 990,
            "arch/arm64/boot/dts/hisilicon/hi6220-hikey.dts @ 3867a24cc408 (size 0x08000000; /memory ranges sum to 990 MiB)"),
        new("Broadcom BCM7278 set-top box", "two Designated Movable Blocks", 600, 2048,
            "Doug Berger, [PATCH v4 0/9] mm: introduce Designated Movable Blocks, 20230311003855.645684-1-opendmb@gmail.com (movablecore=300M@0x60000000,300M@0x320000000, 2 x 1 GiB)"),
        new("NXP i.MX 8ULP EVK", "DT linux,cma", 640, 2048,
            "arch/arm64/boot/dts/freescale/imx8ulp-evk.dts @ 011242de59d0 (size 0x28000000, memory 0x80000000)"),
        new("ZONE_CMA v7 benchmark machine", "cma=512M", 512, 1024,
            "Joonsoo Kim, [PATCH v7 0/7] Introduce ZONE_CMA, linux-mm, April 2017 (1 GiB x86 guest, make -j16)"),
        new("hugetlb_cma= on servers", "hugetlb_cma=10G (per-node CMA for 1 GiB pages)", 10240, null,
            "Roman Gushchin, commit cf11e85fc08c \"mm: hugetlb: optionally allocate gigantic hugepages using cma\" (v5.7; the example gives no machine size)"),
    };
}
