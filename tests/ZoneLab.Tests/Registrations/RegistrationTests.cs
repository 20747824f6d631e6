using System.Runtime.CompilerServices;
using ZoneLab.Allocator;
using ZoneLab.Cli;
using ZoneLab.Designs;
using ZoneLab.Procfs;
using ZoneLab.Tests.Allocator;
using ZoneLab.Workloads;
using ZoneLab.Workloads.Actors;

namespace ZoneLab.Tests.Registrations;

/// <summary>
/// Every extension point is registered once: a design, an actor record, a /proc file or an output format added without
/// its registration makes one of these fail (instead of falling through silently at run time).
/// </summary>
public class RegistrationTests
{
    [Fact]
    public void EveryDesignKindIsRegisteredOnce()
    {
        foreach (DesignKind kind in Enum.GetValues<DesignKind>())
        {
            Assert.Single(DesignRegistry.All, d => d.Kind == kind);
            Assert.Equal(kind, DesignRegistry.For(kind).Kind);
        }
        Assert.Equal(Enum.GetValues<DesignKind>().Length, DesignRegistry.All.Count);
        // names are what the command line takes: distinct, and parsed back to the same design
        Assert.Equal(DesignRegistry.All.Count, DesignRegistry.All.Select(d => d.Name).Distinct().Count());
        foreach (IDesign d in DesignRegistry.All)
        {
            Assert.Equal(d.Kind, DesignNames.Parse(d.Name));
        }
    }

    [Fact]
    public void EveryActorRecordHasOneKind()
    {
        Type[] records = typeof(ScenarioActor).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ScenarioActor)) && !t.IsAbstract).ToArray();
        Assert.NotEmpty(records);
        foreach (Type t in records)
        {
            ActorKind kind = Assert.Single(ActorKinds.All, k => k.ActorType == t);
            // the record's own type name (a constant getter) is the kind's name
            var blank = (ScenarioActor)RuntimeHelpers.GetUninitializedObject(t);
            Assert.Equal(kind.Name, blank.Type);
            Assert.Same(kind, ActorKinds.For(kind.Name));
        }
        Assert.Equal(records.Length, ActorKinds.All.Count);
    }

    [Fact]
    public void ActorKeysAreTheKindsOwn()
    {
        string[] common = ["type", "name", "start", "stop", "access"];
        foreach (ActorKind k in ActorKinds.All)
        {
            Assert.Equal(k.Keys.Count, k.Keys.Distinct().Count());
            Assert.Empty(k.Keys.Intersect(common));
        }
    }

    [Fact]
    public void AnUnregisteredActorTypeFailsLoudly()
    {
        Assert.Throws<System.Diagnostics.UnreachableException>(() => ActorKinds.For("no_such_kind"));
    }

    [Fact]
    public void EveryProcFileHasANameAndAWriter()
    {
        using var m = new Machine(TestMachines.Qemu2G());
        // the first line of each file as the kernel prints it (mm/vmstat.c, fs/proc/meminfo.c)
        var firstLine = new Dictionary<ProcFile, string>
        {
            [ProcFile.Zoneinfo] = "Node 0, zone      DMA",
            [ProcFile.Buddyinfo] = "Node 0, zone      DMA ",
            [ProcFile.Pagetypeinfo] = "Page block order: 9",
            [ProcFile.Meminfo] = "MemTotal:",
            [ProcFile.Vmstat] = "nr_free_pages ",
            [ProcFile.ExtfragIndex] = "Node 0, zone      DMA ",
            [ProcFile.UnusableIndex] = "Node 0, zone      DMA ",
        };
        Assert.Equal(Enum.GetValues<ProcFile>().Length, ProcFiles.All.Count);
        foreach (ProcFile f in ProcFiles.All)
        {
            Assert.Equal(f, ProcFiles.Parse(ProcFiles.Name(f)));
            Assert.StartsWith(firstLine[f], ProcFiles.Write(f, m));
        }
    }

    [Fact]
    public void EveryLayoutFormatHasAName()
    {
        Assert.Equal(Enum.GetValues<LayoutFormat>().Length, LayoutFormats.All.Count);
        Assert.Equal(LayoutFormats.All.Count, LayoutFormats.All.Select(LayoutFormats.Name).Distinct().Count());
    }
}
