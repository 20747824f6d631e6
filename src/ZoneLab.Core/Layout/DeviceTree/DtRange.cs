namespace ZoneLab.Layout.DeviceTree;

/// <summary>A byte range <c>[Base, Base + Size)</c> decoded from a device tree <c>reg</c>-style property.</summary>
public readonly record struct DtRange(ulong Base, ulong Size)
{
    /// <summary>End of the range (exclusive), wrapping like the kernel's u64 arithmetic.</summary>
    public ulong End => unchecked(Base + Size);

    public override string ToString() => $"0x{Base:x}+0x{Size:x}";
}
