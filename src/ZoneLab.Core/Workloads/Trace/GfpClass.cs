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
    /// <summary>The class name of <paramref name="flags"/>.</summary>
    public static string Of(GfpFlags flags)
    {
        if (flags == GfpFlags.None)
        {
            return "none";
        }

        foreach ((string name, GfpFlags value) in TraceGfpFlags.Composites)
        {
            if ((flags & value) == value)
            {
                return name;
            }
        }

        return "other";
    }
}
