namespace ZoneLab.Cli;

/// <summary>The architectures whose boot the layout code models (<c>--arch</c>).</summary>
internal enum Arch
{
    /// <summary>x86_64: e820 map, SRAT, QEMU pc/q35.</summary>
    X86_64,

    /// <summary>arm64: device tree, QEMU virt.</summary>
    Arm64,
}

/// <summary>The names of <see cref="Arch"/> as <c>uname -m</c> and Debian print them.</summary>
internal static class Arches
{
    /// <summary>"x86_64" or "arm64" (the name LayoutBuilder and KernelConfig use).</summary>
    public static string Name(Arch a) => a switch
    {
        Arch.X86_64 => "x86_64",
        Arch.Arm64 => "arm64",
        _ => throw new System.Diagnostics.UnreachableException($"architecture {a} has no name"),
    };

    /// <summary>Parses a name; <c>aarch64</c> (uname -m on arm64) is arm64. Null for anything else.</summary>
    public static Arch? Parse(string text) => text switch
    {
        "x86_64" => Arch.X86_64,
        "arm64" or "aarch64" => Arch.Arm64,
        _ => null,
    };
}
