namespace ZoneLab.Layout.DeviceTree;

/// <summary>A <c>/memreserve/</c> entry of the blob's memory reservation block.</summary>
public readonly record struct FdtReserveEntry(ulong Address, ulong Size);
