using System.Diagnostics;

namespace ZoneLab.Tests.Cli;

/// <summary>Runs the built <c>zonelab</c> command (zonelab.dll beside the tests) and captures its output.</summary>
internal static class ZonelabProcess
{
    public static (int Exit, string Out, string Err) Run(params string[] args) => RunWithInput(null, args);

    /// <summary>Runs with <paramref name="input"/> on standard input (closed after it), or none when null.</summary>
    public static (int Exit, string Out, string Err) RunWithInput(string? input, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = input != null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zonelab.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync();
        Task<string> e = p.StandardError.ReadToEndAsync();
        if (input != null)
        {
            p.StandardInput.Write(input);
            p.StandardInput.Close();
        }
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }

    public static string WriteTemp(string name, string text)
    {
        string dir = Path.Combine(Path.GetTempPath(), "zonelab-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
