namespace ZoneLab.Layout.Memblock;

/// <summary>One <c>struct memblock_region</c>: bytes <c>[Base, Base + Size)</c>, flags and node.</summary>
public readonly record struct MemblockRange(ulong Base, ulong Size, MemblockFlags Flags, int Nid)
{
    /// <summary>End of the region (exclusive).</summary>
    public ulong End => Base + Size;

    /// <summary>True when <see cref="MemblockFlags.NoMap"/> is set.</summary>
    public bool IsNoMap => (Flags & MemblockFlags.NoMap) != 0;

    public override string ToString() => $"[0x{Base:x}-0x{End - 1:x}]{(Flags != 0 ? " " + Flags : string.Empty)}";
}
