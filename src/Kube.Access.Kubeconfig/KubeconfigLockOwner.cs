using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary>
/// Who holds a kubeconfig lock file: the record written into <c>&lt;file&gt;.lock</c> (kubectl's own
/// lock files are empty). A lock whose owner is gone (process not alive, a different process under
/// the same pid, or a reboot since) is taken over by the next writer.
/// </summary>
/// <param name="Pid">The owner's process id.</param>
/// <param name="StartTime">Linux: the process start time in clock ticks since boot (<c>/proc/PID/stat</c> field 22); elsewhere null.</param>
/// <param name="BootId">Linux: <c>/proc/sys/kernel/random/boot_id</c>; elsewhere null.</param>
/// <param name="Host">The machine name.</param>
/// <param name="Nonce">Unique per lock, so that a lock file can be told apart from a later one of the same process.</param>
/// <param name="Since">When the lock was taken (UTC), for messages.</param>
internal sealed record KubeconfigLockOwner(int Pid, string? StartTime, string? BootId, string Host, string Nonce, DateTimeOffset Since)
{
    private const string Header = "kube-access kubeconfig lock";

    /// <summary>This process, as a new lock's owner.</summary>
    public static KubeconfigLockOwner Current() => ForProcess(Environment.ProcessId);

    /// <summary>Process <paramref name="pid"/> on this machine, as a lock's owner (tests write locks for other processes).</summary>
    public static KubeconfigLockOwner ForProcess(int pid) =>
        new(pid, ProcessStartTime(pid), BootIdNow(), Environment.MachineName, Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow);

    /// <summary>The lock file's content.</summary>
    public byte[] ToBytes()
    {
        var sb = new StringBuilder().Append(Header).Append('\n');
        sb.Append("pid=").Append(Pid.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (StartTime is not null)
        {
            sb.Append("start=").Append(StartTime).Append('\n');
        }

        if (BootId is not null)
        {
            sb.Append("boot=").Append(BootId).Append('\n');
        }

        sb.Append("host=").Append(Host).Append('\n');
        sb.Append("nonce=").Append(Nonce).Append('\n');
        sb.Append("since=").Append(Since.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads a lock file's content; null when it records no owner (kubectl's empty locks, a half-written one, anything else).</summary>
    public static KubeconfigLockOwner? Parse(ReadOnlySpan<byte> content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(content);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var lines = text.Split('\n');
        if (lines.Length < 2 || lines[0] != Header || !text.EndsWith('\n'))
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                fields[line[..eq]] = line[(eq + 1)..];
            }
        }

        if (!fields.TryGetValue("pid", out var pidText) || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0
            || !fields.TryGetValue("host", out var host) || !fields.TryGetValue("nonce", out var nonce))
        {
            return null;
        }

        var since = fields.TryGetValue("since", out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : DateTimeOffset.MinValue;
        return new KubeconfigLockOwner(pid, fields.GetValueOrDefault("start"), fields.GetValueOrDefault("boot"), host, nonce, since);
    }

    /// <summary>
    /// Whether the owner is certainly gone: on this machine, and rebooted since, or no process with its
    /// pid, or (Linux) a process with its pid that started at another time. A lock of another machine is never gone.
    /// </summary>
    public bool IsGone()
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        if (BootId is not null && BootIdNow() is { } boot && boot != BootId)
        {
            return true;
        }

        if (!IsAlive(Pid))
        {
            return true;
        }

        return StartTime is not null && ProcessStartTime(Pid) is { } now && now != StartTime;
    }

    /// <summary>For messages: <c>pid 123 on host h since 2026-01-01T00:00:00Z</c>.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"pid {Pid} on host {Host}{(Since == DateTimeOffset.MinValue ? string.Empty : $" since {Since:u}")}");

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            var state = ProcStatFields(pid);
            return state is not null && state[0] is not ("Z" or "X" or "x");
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // exists, but not ours to inspect
        }
    }

    private static string? ProcessStartTime(int pid) =>
        OperatingSystem.IsLinux() && ProcStatFields(pid) is { Length: > 19 } fields ? fields[19] : null;

    /// <summary>The fields of <c>/proc/PID/stat</c> after the command name: [0] is the state (field 3), [19] the start time (field 22).</summary>
    private static string[]? ProcStatFields(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var end = stat.LastIndexOf(')');
        return end < 0 ? null : stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string? BootIdNow()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
