namespace ZoneLab.Layout;

/// <summary>One zone's present and managed page counts as a real boot reported them, and where (line) they were read.</summary>
public readonly record struct RealZoneCount(int Node, string Zone, ulong Present, ulong Managed, int Line);

/// <summary>
/// The managed page counts of a real boot (a /proc/zoneinfo of the same machine, read by ZoneLab.Procfs), which
/// replace the model's estimate: <c>zone-&gt;managed_pages</c> after <c>memblock_free_all()</c> depends on what the
/// kernel image and early allocations took, which a boot log does not print page-exactly.
/// </summary>
/// <param name="Source">The file the counts were read from, for messages.</param>
/// <param name="Zones">The zones in the file's order.</param>
public sealed record RealManagedCounts(string Source, IReadOnlyList<RealZoneCount> Zones)
{
    /// <summary>
    /// Puts the real managed counts into the layout. Zones are matched by node and name; a zone whose real present
    /// count differs from the model's is reported, because the two describe different machines then.
    /// </summary>
    public void ApplyTo(BootLayout layout)
    {
        foreach (RealZoneCount r in Zones)
        {
            NodeLayout? node = layout.Node(r.Node);
            if (!ZoneTypes.TryParse(r.Zone, out ZoneType type) || node?.Zone(type) is not ZoneLayout z)
            {
                if (r.Present > 0)
                {
                    throw new ZoneLabInputException(Source, r.Line, $"node {r.Node} zone {r.Zone} has {r.Present} present pages but the modelled machine has no such zone; is the zoneinfo from this machine?");
                }
                continue;
            }
            if (z.Present != r.Present)
            {
                layout.Warnings.Add($"{Source}:{r.Line}: node {r.Node} zone {r.Zone}: present {r.Present} in the file but {z.Present} in the model");
            }
            z.Managed = r.Managed;
            z.ManagedIsReal = true;
        }
    }
}
