namespace ZoneLab.Tests;

/// <summary>Locates the test fixtures copied next to the test assembly.</summary>
internal static class FixturePath
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Get(params string[] parts) => Path.Combine([Root, .. parts]);
}
