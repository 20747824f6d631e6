using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The class of a GFP mask for summaries: the first composite name <c>show_gfp_flags()</c> would print for it
/// (include/trace/events/mmflags.h, 6.1: <c>GFP_TRANSHUGE</c> first, <c>GFP_NOWAIT</c> last), so that a trace printed
/// with names and one printed in hex give the same classes. Masks containing none of them are <c>other</c>, 0 is
/// <c>none</c>.
/// </summary>
public static class GfpClass
{
    private static readonly (string Name, GfpFlags Value)[] s_composites =
    [
        ("GFP_TRANSHUGE", Gfp.TransHuge),
        ("GFP_TRANSHUGE_LIGHT", Gfp.TransHugeLight),
        ("GFP_HIGHUSER_MOVABLE", Gfp.HighUserMovable),
        ("GFP_HIGHUSER", Gfp.HighUser),
        ("GFP_USER", Gfp.User),
        ("GFP_KERNEL_ACCOUNT", Gfp.KernelAccount),
        ("GFP_KERNEL", Gfp.Kernel),
        ("GFP_NOFS", Gfp.NoFs),
        ("GFP_ATOMIC", Gfp.Atomic),
        ("GFP_NOIO", Gfp.NoIo),
        ("GFP_NOWAIT", Gfp.NoWait),
    ];

    /// <summary>The class name of <paramref name="flags"/>.</summary>
    public static string Of(GfpFlags flags)
    {
        if (flags == GfpFlags.None)
        {
            return "none";
        }

        foreach ((string name, GfpFlags value) in s_composites)
        {
            if ((flags & value) == value)
            {
                return name;
            }
        }

        return "other";
    }
}
