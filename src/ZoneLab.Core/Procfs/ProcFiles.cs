using System.Diagnostics;
using ZoneLab.Allocator;

namespace ZoneLab.Procfs;

/// <summary>
/// The one registration of the /proc files: to add one, add a <see cref="ProcFile"/> member, its writer (own file) and
/// one arm in <see cref="Name"/> and in <see cref="Write"/>. Both switches are exhaustive and throw
/// <see cref="UnreachableException"/> for a member without an arm.
/// </summary>
public static class ProcFiles
{
    /// <summary>Every file, in the order the command line lists them.</summary>
    public static readonly IReadOnlyList<ProcFile> All = Enum.GetValues<ProcFile>();

    /// <summary>The file's name as <c>zonelab proc --format</c> takes it (the kernel's file name).</summary>
    public static string Name(ProcFile file) => file switch
    {
        ProcFile.Zoneinfo => "zoneinfo",
        ProcFile.Buddyinfo => "buddyinfo",
        ProcFile.Pagetypeinfo => "pagetypeinfo",
        ProcFile.Meminfo => "meminfo",
        ProcFile.Vmstat => "vmstat",
        ProcFile.ExtfragIndex => "extfrag_index",
        ProcFile.UnusableIndex => "unusable_index",
        _ => throw new UnreachableException($"/proc file {file} has no name in ProcFiles.Name"),
    };

    /// <summary>The file's text for the machine's current state.</summary>
    public static string Write(ProcFile file, Machine m) => file switch
    {
        ProcFile.Zoneinfo => ZoneinfoWriter.Write(m),
        ProcFile.Buddyinfo => BuddyinfoWriter.Write(m),
        ProcFile.Pagetypeinfo => PagetypeinfoWriter.Write(m),
        ProcFile.Meminfo => MeminfoWriter.Write(m),
        ProcFile.Vmstat => VmstatWriter.Write(m),
        ProcFile.ExtfragIndex => ExtfragWriter.ExtfragIndex(m),
        ProcFile.UnusableIndex => ExtfragWriter.UnusableIndex(m),
        _ => throw new UnreachableException($"/proc file {file} has no writer in ProcFiles.Write"),
    };

    /// <summary>The file named <paramref name="name"/>, or null.</summary>
    public static ProcFile? Parse(string name)
    {
        foreach (ProcFile f in All)
        {
            if (Name(f) == name)
            {
                return f;
            }
        }
        return null;
    }
}
