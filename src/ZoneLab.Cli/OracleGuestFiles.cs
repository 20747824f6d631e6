namespace ZoneLab.Cli;

/// <summary>Finds the oracle's guest files (oracle-run.sh, init, zlguest.c) shipped next to the tool or in a source tree.</summary>
internal static class OracleGuestFiles
{
    public static string Script()
    {
        string shipped = Path.Combine(AppContext.BaseDirectory, "oracle-guest", "oracle-run.sh");
        if (File.Exists(shipped))
        {
            return shipped;
        }
        for (string? d = Directory.GetCurrentDirectory(); d != null; d = Path.GetDirectoryName(d))
        {
            string s = Path.Combine(d, "src", "oracle-guest", "oracle-run.sh");
            if (File.Exists(s))
            {
                return s;
            }
        }
        throw new ZoneLabInputException("oracle-run.sh", "the oracle's guest files are missing (expected next to zonelab in oracle-guest/)");
    }
}
