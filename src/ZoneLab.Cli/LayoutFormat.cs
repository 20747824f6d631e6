using System.Diagnostics;

namespace ZoneLab.Cli;

/// <summary>What <c>zonelab layout --format</c> prints. Each member has a name in <see cref="LayoutFormats.Name"/> and an arm in <see cref="LayoutCommand"/>'s switch.</summary>
internal enum LayoutFormat
{
    /// <summary>The human-readable tables.</summary>
    Text,

    /// <summary>The kernel's boot messages about zones (byte for byte).</summary>
    Dmesg,

    /// <summary><c>/proc/zoneinfo</c> just after boot.</summary>
    Zoneinfo,

    /// <summary>Every number of the layout as JSON.</summary>
    Json,

    /// <summary>The <c>/sys/devices/system/memory</c> blocks.</summary>
    MemoryBlocks,

    /// <summary>The RAM resources of <c>/proc/iomem</c> as root reads them.</summary>
    Iomem,
}

/// <summary>Names of <see cref="LayoutFormat"/> members as the command line takes them.</summary>
internal static class LayoutFormats
{
    /// <summary>Every format, in the order the help lists them.</summary>
    public static readonly IReadOnlyList<LayoutFormat> All = Enum.GetValues<LayoutFormat>();

    /// <summary>The command-line name.</summary>
    public static string Name(LayoutFormat f) => f switch
    {
        LayoutFormat.Text => "text",
        LayoutFormat.Dmesg => "dmesg",
        LayoutFormat.Zoneinfo => "zoneinfo",
        LayoutFormat.Json => "json",
        LayoutFormat.MemoryBlocks => "memory-blocks",
        LayoutFormat.Iomem => "iomem",
        _ => throw new UnreachableException($"layout format {f} has no name in LayoutFormats.Name"),
    };
}
