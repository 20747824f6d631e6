namespace ZoneLab.Layout.DeviceTree;

/// <summary>A memory range of a <c>/memory</c> node with its NUMA node id (<c>numa-node-id</c>) if any.</summary>
public readonly record struct DtMemoryRange(ulong Base, ulong Size, int? Nid, bool Hotpluggable, string NodePath);
