using System.Diagnostics;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>Lock files that record their owner, taken over when the owner is gone; leftovers cleaned; symlinks are one file.</summary>
public sealed class LockTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Process StartSleeper() =>
        Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false }) ?? throw new InvalidOperationException("sleep did not start");

    [Fact]
    public async Task A_live_owner_blocks_with_a_typed_error_and_after_kill_9_the_next_edit_takes_the_lock_over()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // uses sleep and SIGKILL
        }

        var file = _dir.Write("config", "clusters:\n- name: c\n  cluster: {server: \"https://a\"}\n");
        var lockFile = file + ".lock";
        var editor = new KubeconfigEditor(options: new() { LockTimeout = TimeSpan.FromMilliseconds(300) });
        using var sleeper = StartSleeper();
        try
        {
            File.WriteAllBytes(lockFile, KubeconfigLockOwner.ForProcess(sleeper.Id).ToBytes());

            // A dead writer's full-content temporary file, and one of another file that is not ours to remove.
            var leftover = _dir.Write($".config.{Guid.NewGuid():N}.tmp", File.ReadAllText(file));
            var foreign = _dir.Write($".other.{Guid.NewGuid():N}.tmp", "x");

            var act = () => editor.SetClusterAsync("c", new() { Server = "https://b" }, new() { ExplicitPath = file });
            var error = (await act.Should().ThrowAsync<KubeconfigLockedException>()).Which;
            error.LockFile.Should().Be(lockFile);
            error.Owner.Should().Contain($"pid {sleeper.Id}");
            error.Message.Should().Contain(lockFile).And.Contain($"pid {sleeper.Id}");
            error.File.Should().Be(file);
            File.ReadAllText(file).Should().Contain("https://a");
            File.Exists(leftover).Should().BeTrue("nothing is cleaned without the lock");

            sleeper.Kill();
            await sleeper.WaitForExitAsync();

            var result = await editor.SetClusterAsync("c", new() { Server = "https://b" }, new() { ExplicitPath = file });
            result.WrittenFiles.Should().Equal(file);
            File.ReadAllText(file).Should().Contain("https://b");
            File.Exists(lockFile).Should().BeFalse();
            Directory.GetFiles(_dir.Path).Order().Should().Equal(new[] { file, foreign }.Order());
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill();
            }
        }
    }

    [Fact]
    public async Task A_lock_naming_a_reused_pid_with_another_start_time_is_taken_over()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // start times come from /proc
        }

        var file = _dir.Write("config", string.Empty);
        var mine = KubeconfigLockOwner.Current();
        File.WriteAllBytes(file + ".lock", (mine with { StartTime = "1" }).ToBytes());
        await new KubeconfigEditor().SetContextAsync("ctx", new() { Cluster = "c" }, new() { ExplicitPath = file });
        File.Exists(file + ".lock").Should().BeFalse();
        (await KubeconfigLoader.Instance.LoadAsync(new() { ExplicitPath = file })).FindContext("ctx").Should().NotBeNull();
    }

    [Fact]
    public async Task A_live_process_lock_blocks_and_is_left_in_place()
    {
        var file = _dir.Write("config", string.Empty);
        var record = KubeconfigLockOwner.Current().ToBytes();
        File.WriteAllBytes(file + ".lock", record);
        var act = () => new KubeconfigEditor().SetContextAsync("ctx", new() { Cluster = "c" }, new() { ExplicitPath = file });
        (await act.Should().ThrowAsync<KubeconfigLockedException>()).Which.Owner.Should().Contain($"pid {Environment.ProcessId}");
        File.ReadAllBytes(file + ".lock").Should().Equal(record);
    }

    [Fact]
    public async Task An_empty_lock_as_kubectl_makes_blocks_while_fresh_and_is_taken_over_when_abandoned()
    {
        var file = _dir.Write("config", string.Empty);
        File.WriteAllText(file + ".lock", string.Empty);
        var editor = new KubeconfigEditor();
        var act = () => editor.SetContextAsync("ctx", new() { Cluster = "c" }, new() { ExplicitPath = file });
        (await act.Should().ThrowAsync<KubeconfigLockedException>()).Which.Owner.Should().BeNull();

        File.SetLastWriteTimeUtc(file + ".lock", DateTime.UtcNow - KubeconfigWriter.UnownedLockStaleAfter - TimeSpan.FromMinutes(1));
        await editor.SetContextAsync("ctx", new() { Cluster = "c" }, new() { ExplicitPath = file });
        Directory.GetFiles(_dir.Path).Should().Equal(file);
    }

    [Fact]
    public async Task A_symlinked_kubeconfig_stays_a_symlink_and_is_locked_as_its_target()
    {
        var target = _dir.Write("real/config", "clusters:\n- name: c\n  cluster: {server: \"https://a\"}\n");
        var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(target);
        var link = _dir.File("link-config");
        File.CreateSymbolicLink(link, Path.Combine("real", "config"));
        Directory.CreateSymbolicLink(_dir.File("linkdir"), "real");
        var viaDir = _dir.File("linkdir/config");

        // The target's lock held by a live owner blocks edits through the link and through the linked directory.
        File.WriteAllBytes(target + ".lock", KubeconfigLockOwner.Current().ToBytes());
        foreach (var path in new[] { link, viaDir })
        {
            var act = () => new KubeconfigEditor().SetClusterAsync("c", new() { Server = "https://b" }, new() { ExplicitPath = path });
            (await act.Should().ThrowAsync<KubeconfigLockedException>()).Which.LockFile.Should().Be(target + ".lock");
        }

        File.Delete(target + ".lock");

        // The link and its target both in KUBECONFIG are one file: locked once, written through the link.
        var variable = string.Join(Path.PathSeparator, link, target, viaDir);
        await new KubeconfigEditor().SetClusterAsync("c", new() { Server = "https://b" }, new() { KubeconfigVariable = variable, UseEnvironment = false });
        new FileInfo(link).LinkTarget.Should().Be(Path.Combine("real", "config"));
        File.ReadAllText(target).Should().Contain("https://b");
        Directory.GetFiles(_dir.File("real")).Should().Equal(target);
        Directory.GetFiles(_dir.Path).Should().Equal(link);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(target).Should().Be(mode, "an existing file keeps its mode");
        }
    }

    [Fact]
    public async Task A_new_file_holding_a_token_is_written_0600()
    {
        var file = _dir.File("fresh/config");
        await new KubeconfigEditor().SetCredentialsAsync("u", new() { Token = "secret-token" }, new() { ExplicitPath = file });
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.ReadAllText(file).Should().Contain("secret-token");
    }
}
