using ZoneLab.Layout;
using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Tests.DeviceTree;

/// <summary><c>/proc/device-tree</c>-style directories: a directory per node, a raw file per property.</summary>
public class DeviceTreeDirectoryTests
{
    private static void Export(DeviceTreeNode n, string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (DeviceTreeProperty p in n.Properties)
        {
            File.WriteAllBytes(Path.Combine(dir, p.Name), p.Value);
        }
        foreach (DeviceTreeNode c in n.Children)
        {
            Export(c, Path.Combine(dir, c.Name));
        }
    }

    [Fact]
    public void ADirectoryGivesTheSameBootFactsAndLayoutAsTheBlob()
    {
        string blob = DeviceTreeReaderTests.Dtb("qemu-virt-2g-e2-pools.dtb");
        string dir = Path.Combine(Path.GetTempPath(), $"zl-devtree-{Environment.ProcessId}", "device-tree");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }
        Export(FlattenedDeviceTree.Load(blob).Root, dir);

        BootDeviceTree fromDir = BootDeviceTree.Load(dir);
        BootDeviceTree fromBlob = BootDeviceTree.Load(blob);
        Assert.Equal(fromBlob.Memory.Select(m => (m.Base, m.Size)), fromDir.Memory.Select(m => (m.Base, m.Size)));
        // the directory lists children by name; the kernel sorts reserved regions by base anyway
        Assert.Equal(fromBlob.ReservedMemory.Select(r => r.Name).OrderBy(x => x, StringComparer.Ordinal), fromDir.ReservedMemory.Select(r => r.Name));

        BootLayout a = new LayoutBuilder().ForArm64(2UL << 30, null, blob).Build();
        BootLayout b = new LayoutBuilder().ForArm64(2UL << 30, null, dir).Build();
        Assert.Equal(a.CmaAreas.Select(x => (x.Name, x.Base)).OrderBy(x => x.Base), b.CmaAreas.Select(x => (x.Name, x.Base)).OrderBy(x => x.Base));
        Assert.Equal(a.AllZones.Select(z => (z.Present, z.CmaPages)), b.AllZones.Select(z => (z.Present, z.CmaPages)));
    }

    [Fact]
    public void AMissingDirectoryOrFileIsReported()
    {
        Assert.Throws<ZoneLabInputException>(() => BootDeviceTree.Load("/nonexistent/device-tree"));
    }
}
