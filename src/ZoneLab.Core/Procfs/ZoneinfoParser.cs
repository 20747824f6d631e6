namespace ZoneLab.Procfs;

/// <summary>
/// The typed zoneinfo reading under its former name, forwarding to <see cref="ZoneinfoReader"/> (the one zoneinfo
/// reader) so that code written against this name still compiles; use <see cref="ZoneinfoReader"/>.
/// </summary>
public static class ZoneinfoParser
{
    /// <inheritdoc cref="ZoneinfoReader.ParseFile"/>
    public static IReadOnlyList<ZoneinfoZone> ParseFile(string path) => ZoneinfoReader.ParseFile(path);

    /// <inheritdoc cref="ZoneinfoReader.Parse"/>
    public static IReadOnlyList<ZoneinfoZone> Parse(string text, string source = "zoneinfo") => ZoneinfoReader.Parse(text, source);

    /// <inheritdoc cref="ZoneinfoReader.MaxNrZones"/>
    public static int MaxNrZones(IReadOnlyList<ZoneinfoZone> zones) => ZoneinfoReader.MaxNrZones(zones);
}
