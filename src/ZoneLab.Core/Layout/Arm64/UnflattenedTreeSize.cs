using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Layout.Arm64;

/// <summary>
/// The memory unflatten_device_tree() takes from memblock (drivers/of/fdt.c, 6.1): a dry run of
/// unflatten_dt_nodes() sums, in tree order with 8-byte alignment, one <c>struct device_node</c> plus the node name
/// per node, one <c>struct property</c> per property, and a synthesized "name" property (with the name up to '@')
/// for each node that has none; the total is rounded up to 4 and 4 bytes of end marker are added.
/// </summary>
public static class UnflattenedTreeSize
{
    /// <summary>
    /// Dry-run size of QEMU 7.2's generated virt tree for one NUMA node (measured from the arm64 oracle's DTB dumps;
    /// the unflattened tree sits between the page tables and the NUMA distance table in memblock.reserved).
    /// </summary>
    public const ulong QemuVirtOneNode = 40056;

    /// <summary>Dry-run size of QEMU's virt tree with two NUMA nodes (memblock.reserved of a real boot: 40864).</summary>
    public const ulong QemuVirtTwoNodes = 40864;

    /// <summary>Dry-run size of QEMU's generated virt tree with <paramref name="nodes"/> NUMA nodes.</summary>
    public static ulong QemuVirt(int nodes) => nodes <= 1 ? QemuVirtOneNode : QemuVirtTwoNodes + (ulong)(nodes - 2) * (QemuVirtTwoNodes - QemuVirtOneNode);

    /// <summary>
    /// Dry-run size of a blob's tree. <paramref name="chosenAdds"/> are properties the bootloader adds to /chosen
    /// (QEMU: bootargs, linux,initrd-start, linux,initrd-end); <c>rng-seed</c> is removed by the kernel before it unflattens.
    /// </summary>
    public static ulong Of(DeviceTreeNode root, KernelConfig config, IEnumerable<string> chosenAdds)
    {
        ulong mem = 0;
        var adds = chosenAdds.ToList();
        void Alloc(ulong size)
        {
            mem = (mem + 7) & ~7UL;
            mem += size;
        }
        void Walk(DeviceTreeNode n, int depth)
        {
            Alloc(config.OfDeviceNodeSize + (ulong)n.Name.Length + 1);
            var names = n.Properties.Select(p => p.Name).ToList();
            if (n.Path == "/chosen")
            {
                names.Remove("rng-seed");
                foreach (string a in adds)
                {
                    if (!names.Contains(a))
                    {
                        names.Add(a);
                    }
                }
            }
            foreach (string _ in names)
            {
                Alloc(config.OfPropertySize);
            }
            if (!names.Contains("name"))
            {
                Alloc(config.OfPropertySize + (ulong)n.BaseName.Length + 1);
            }
            if (depth < FlattenedDeviceTree.MaxDepth)
            {
                foreach (DeviceTreeNode c in n.Children)
                {
                    Walk(c, depth + 1);
                }
            }
        }
        Walk(root, 0);
        if (adds.Count > 0 && root.Child("chosen") == null && root.Children.All(c => c.BaseName != "chosen"))
        {
            // the bootloader creates /chosen (QEMU: qemu_fdt_add_subnode)
            Alloc(config.OfDeviceNodeSize + 7);
            foreach (string _ in adds)
            {
                Alloc(config.OfPropertySize);
            }
            Alloc(config.OfPropertySize + 7);
        }
        return (mem + 3) & ~3UL;
    }
}
