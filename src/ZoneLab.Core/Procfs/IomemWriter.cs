using System.Text;

namespace ZoneLab.Procfs;

/// <summary>
/// Prints a resource tree as <c>/proc/iomem</c> reads for root (kernel/resource.c r_show(): real addresses with
/// CAP_SYS_ADMIN, zeros otherwise; <c>%0*llx</c> with width 8 for iomem_resource, two spaces per level, at most
/// MAX_IORES_LEVEL (5) levels of indent), walking it as r_next() does: a resource, then its children, then its siblings.
/// </summary>
public static class IomemWriter
{
    private const int MaxIoresLevel = 5;

    /// <summary>The file's text for <paramref name="root"/>'s children.</summary>
    public static string Write(IomemResource root)
    {
        var sb = new StringBuilder();
        int width = root.End < 0x10000 ? 4 : 8;
        Walk(root, 0);
        return sb.ToString();

        void Walk(IomemResource parent, int depth)
        {
            foreach (IomemResource r in parent.Children)
            {
                int indent = Math.Min(depth, MaxIoresLevel) * 2;
                sb.Append(' ', indent);
                sb.Append(r.Start.ToString("x" + width, System.Globalization.CultureInfo.InvariantCulture));
                sb.Append('-');
                sb.Append(r.End.ToString("x" + width, System.Globalization.CultureInfo.InvariantCulture));
                sb.Append(" : ").Append(r.Name).Append('\n');
                Walk(r, depth + 1);
            }
        }
    }
}
