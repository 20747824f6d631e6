using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ZoneLab.Layout;
using ZoneLab.Oracle;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab oracle run WORKLOAD --out DIR</c>: boots a real kernel under QEMU TCG with the workload's machine, runs
/// its steps in the guest (src/oracle-guest/oracle-run.sh with the static helper zlguest) and writes the recording
/// to DIR atomically: a temporary folder next to DIR, renamed when the run succeeded (docs/oracle.md).
/// </summary>
internal static class OracleRunCommand
{
    public static Command Create()
    {
        var workload = new Argument<string>("workload") { Description = "A workload file (oracle/workloads/*.yaml, docs/oracle.md)." };
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Extra kernel arguments after a bare --.", Arity = ArgumentArity.ZeroOrMore };
        var outDir = new Option<string>("--out") { Description = "The recording folder (replaced atomically).", Required = true };
        var arch = new Option<string>("--arch") { Description = "x86_64 (default) or arm64.", DefaultValueFactory = _ => "x86_64" };
        var mem = new Option<string?>("--mem") { Description = "Guest RAM instead of the workload's (e.g. 1G)." };
        var numa = new Option<string?>("--numa") { Description = "NUMA node sizes instead of the workload's, e.g. 256M,256M (must add up to the RAM)." };
        var package = new Option<string?>("--kernel-package") { Description = "A Debian kernel image package (default linux-image-6.1.0-56-<arch>-unsigned); its modules give the guest virtio-blk and ext4." };
        var kernel = new Option<string?>("--kernel") { Description = "A kernel image of your own (bzImage / arm64 Image; disk steps need virtio-blk and ext4 built in)." };
        var initrd = new Option<string?>("--initrd") { Description = "An initramfs to unpack before the oracle's (with --kernel)." };
        var pageState = new Option<bool>("--page-state") { Description = "Also record the guest's page state at step 0 (/proc/kpageflags, pageblock types) and its page allocations per step (docs/oracle.md, \"The page state\")." };
        var noTrace = new Option<bool>("--no-alloc-trace") { Description = "With --page-state: record the step-0 page state only, without the per-step allocation trace (whose 16 MiB ring buffer, allocated before step 0, takes the guest's smallest Unmovable free blocks; docs/oracle.md)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before the guest is stopped (default 900).", DefaultValueFactory = _ => 900 };
        var cmd = new Command("run", "Boot a real kernel under QEMU, run a workload's steps in the guest and record the allocator's state after every step.");
        cmd.Arguments.Add(workload);
        cmd.Arguments.Add(kernelArgs);
        var drainTrace = new Option<bool>("--drain-trace") { Description = "With --page-state: also trace kmem:mm_page_pcpu_drain, the pages the per-cpu lists give back to the buddy allocator per step (stepN.drains.txt; docs/oracle.md)." };
        foreach (Option o in new Option[] { outDir, arch, mem, numa, package, kernel, initrd, timeout, pageState, noTrace, drainTrace })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(pr =>
        {
            string a = pr.GetValue(arch)!;
            if (Array.IndexOf(OracleWorkloadLoader.Archs, a) < 0)
            {
                throw new ZoneLabInputException("--arch", $"expected x86_64 or arm64, not '{a}'");
            }
            OracleWorkload w = OracleWorkloadLoader.LoadFile(pr.GetValue(workload)!);
            OracleMachine m = w.Machine(a);
            if (pr.GetValue(mem) is string ms)
            {
                m = m with { MemBytes = KernelNumber.ParseSize(ms, "--mem") };
            }
            if (pr.GetValue(numa) is string ns)
            {
                List<ulong> nodes = [.. ns.Split(',').Select(x => KernelNumber.ParseSize(x, "--numa"))];
                if (nodes.Aggregate(0UL, (x, y) => x + y) != m.MemBytes)
                {
                    throw new ZoneLabInputException("--numa", $"the node sizes add up to {nodes.Aggregate(0UL, (x, y) => x + y) >> 20} MiB, not the RAM ({m.MemBytes >> 20} MiB)");
                }
                m = m with { NumaBytes = nodes };
            }
            if (pr.GetValue(package) != null && pr.GetValue(kernel) != null)
            {
                throw new ZoneLabInputException("--kernel", "use --kernel-package or --kernel, not both");
            }
            if (pr.GetValue(noTrace) && !pr.GetValue(pageState))
            {
                throw new ZoneLabInputException("--no-alloc-trace", "goes with --page-state");
            }
            if (pr.GetValue(drainTrace) && (!pr.GetValue(pageState) || pr.GetValue(noTrace)))
            {
                throw new ZoneLabInputException("--drain-trace", "goes with --page-state and the allocation trace");
            }
            var extra = (pr.GetValue(kernelArgs) ?? []).ToList();
            return Run(w, a, m, pr.GetValue(outDir)!, pr.GetValue(package), pr.GetValue(kernel), pr.GetValue(initrd), extra, pr.GetValue(timeout), pr.GetValue(pageState), pr.GetValue(noTrace), pr.GetValue(drainTrace));
        });
        return cmd;
    }

    private static int Run(OracleWorkload w, string arch, OracleMachine m, string outDir, string? package, string? kernel, string? initrd, List<string> extraArgs, int timeout, bool pageState = false, bool noAllocTrace = false, bool drainTrace = false)
    {
        string script = OracleGuestFiles.Script();
        string full = Path.GetFullPath(outDir);
        string parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
        // an interrupted run leaves no half-written DIR: the temporary folder goes when the process is stopped
        void Cleanup()
        {
            if (Directory.Exists(tmp))
            {
                Directory.Delete(tmp, recursive: true);
            }
        }
        using var reg = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Cleanup());
        using var regTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Cleanup());
        Cleanup();
        Directory.CreateDirectory(tmp);
        try
        {
            File.WriteAllText(Path.Combine(tmp, "steps.in.txt"), GuestStepScript.Write(w, arch));
            File.WriteAllText(Path.Combine(tmp, "events.in.txt"), string.Join('\n', GuestStepScript.Events) + "\n");
            File.Copy(w.Source, Path.Combine(tmp, "workload.yaml"));
            var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            string Mb(ulong b) => (b >> 20).ToString(CultureInfo.InvariantCulture) + "M";
            var args = new List<string>
            {
                script, "--arch", arch, "--out", tmp, "--steps", Path.Combine(tmp, "steps.in.txt"), "--events", Path.Combine(tmp, "events.in.txt"),
                "--mem", Mb(m.MemBytes), "--timeout", timeout.ToString(CultureInfo.InvariantCulture),
            };
            if (m.NumaBytes.Count > 0)
            {
                args.AddRange(["--numa", string.Join(',', m.NumaBytes.Select(Mb))]);
            }
            if (m.DiskBytes > 0)
            {
                args.AddRange(["--disk", Mb(m.DiskBytes)]);
            }
            if (m.SwapBytes > 0)
            {
                args.AddRange(["--swap", Mb(m.SwapBytes)]);
            }
            if (m.IcountShift >= 0)
            {
                args.AddRange(["--icount", m.IcountShift.ToString(CultureInfo.InvariantCulture)]);
            }
            if (package != null)
            {
                args.AddRange(["--kernel-package", package]);
            }
            if (kernel != null)
            {
                args.AddRange(["--kernel", Path.GetFullPath(kernel)]);
            }
            if (initrd != null)
            {
                args.AddRange(["--initrd", Path.GetFullPath(initrd)]);
            }
            if (pageState)
            {
                args.Add("--page-state");
            }
            if (noAllocTrace)
            {
                args.Add("--no-alloc-trace");
            }
            if (drainTrace)
            {
                args.Add("--drain-trace");
            }
            args.Add("--");
            args.AddRange(m.Cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            args.AddRange(extraArgs);
            foreach (string x in args)
            {
                psi.ArgumentList.Add(x);
            }
            using Process p = Process.Start(psi) ?? throw new ZoneLabInputException("bash", "cannot start bash");
            Task<string> err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            string stderr = err.Result;
            if (p.ExitCode != 0)
            {
                string why = stderr.Split('\n').LastOrDefault(l => l.StartsWith("oracle-run.sh: ", StringComparison.Ordinal))?["oracle-run.sh: ".Length..]
                    ?? stderr.Trim().Split('\n').LastOrDefault() ?? $"exit {p.ExitCode}";
                throw new ZoneLabInputException(w.Source, p.ExitCode == 124 ? "the guest timed out: " + why : why);
            }
            File.Move(Path.Combine(tmp, "steps.in.txt"), Path.Combine(tmp, "guest-steps.txt"));
            File.Move(Path.Combine(tmp, "events.in.txt"), Path.Combine(tmp, "guest-events.txt"));
            File.AppendAllText(Path.Combine(tmp, "run-info.txt"), $"workload: {w.Name}\n");
            string old = full + $".old-{Environment.ProcessId}";
            if (Directory.Exists(full))
            {
                Directory.Move(full, old);
            }
            Directory.Move(tmp, full);
            if (Directory.Exists(old))
            {
                Directory.Delete(old, recursive: true);
            }
            Console.WriteLine($"{w.Name} ({arch}): recorded in {outDir} ({stderr.Split('\n').LastOrDefault(l => l.Contains("ok in", StringComparison.Ordinal))?.Split("ok in ").Last() ?? "ok"})");
            return 0;
        }
        finally
        {
            Cleanup();
        }
    }
}
