namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// Reads a device tree exported as a directory, as the kernel shows it in <c>/proc/device-tree</c>
/// (= <c>/sys/firmware/devicetree/base</c>, fs/proc/proc_devtree.c in older kernels, drivers/of/kobj.c now):
/// a directory per node, a file per property holding its raw big-endian value. Entries are read in ordinal name
/// order (the directory does not keep the blob's order). The kernel's own "name" property files are kept.
/// </summary>
public static class DeviceTreeDirectory
{
    /// <summary>Reads the tree under <paramref name="dir"/>.</summary>
    public static FlattenedDeviceTree Load(string dir)
    {
        string source = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir));
        if (!Directory.Exists(dir))
        {
            throw new ZoneLabInputException(dir, "not a directory");
        }
        var root = new DeviceTreeNode(string.Empty, null, -1);
        long size = 40 + 16 + 8;
        try
        {
            size += Read(root, dir, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZoneLabInputException(dir, $"cannot read the device tree directory: {e.Message}");
        }
        return FlattenedDeviceTree.FromNodes(source, root, Array.Empty<FdtReserveEntry>(), (uint)Math.Min(size, uint.MaxValue));
    }

    // returns the bytes the node would take in a blob (tokens, name, property headers and values)
    private static long Read(DeviceTreeNode node, string dir, int depth)
    {
        if (depth > FlattenedDeviceTree.MaxDepth)
        {
            throw new ZoneLabInputException(dir, $"nodes nested deeper than {FlattenedDeviceTree.MaxDepth}");
        }
        long size = 8 + ((node.Name.Length + 4) & ~3);
        foreach (string f in Directory.GetFiles(dir).OrderBy(Path.GetFileName, StringComparer.Ordinal))
        {
            byte[] value = InputFiles.ReadBytes(f, (int)Layout.KernelLimits.MaxFdtSize, "a property larger than MAX_FDT_SIZE (2 MiB) cannot be in a tree the kernel boots");
            node.Add(new DeviceTreeProperty(Path.GetFileName(f), value, -1));
            size += 12 + ((value.Length + 3) & ~3) + Path.GetFileName(f).Length + 1;
        }
        foreach (string d in Directory.GetDirectories(dir).OrderBy(Path.GetFileName, StringComparer.Ordinal))
        {
            var child = new DeviceTreeNode(Path.GetFileName(d), node, -1);
            node.Add(child);
            size += Read(child, d, depth + 1);
        }
        return size;
    }
}
