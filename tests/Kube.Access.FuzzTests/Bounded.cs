using FluentAssertions;

namespace Kube.Access.FuzzTests;

/// <summary>
/// Runs one fuzz case on its own thread with a 1 MiB stack (smaller than any thread the SDK runs on, so a recursion
/// that fits here fits everywhere), and checks the rules of issue 19: the parser raises nothing but a
/// <see cref="KubeAccessException"/> subclass, finishes within <see cref="Timeout"/> (a generous bound that catches
/// hangs, not a timing assertion) and allocates less than <see cref="MaxAllocatedBytes"/>.
/// </summary>
internal static class Bounded
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    public const long MaxAllocatedBytes = 256L * 1024 * 1024;
    private const int StackBytes = 1024 * 1024;

    /// <summary>Runs <paramref name="parse"/> and returns the typed exception it raised, if any.</summary>
    public static KubeAccessException? Run(Action parse, string input)
    {
        Exception? failure = null;
        var allocated = 0L;
        var thread = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, StackBytes)
        { IsBackground = true, Name = "fuzz case" };
        thread.Start();
        var finished = thread.Join(Timeout);
        var shown = Show(input);
        finished.Should().BeTrue($"the input must be handled within {Timeout.TotalSeconds} s: {shown}");
        allocated.Should().BeLessThan(MaxAllocatedBytes, $"the input must not allocate 256 MiB: {shown}");
        if (failure is null) return null;
        failure.Should().BeAssignableTo<KubeAccessException>($"only typed exceptions may escape, input: {shown}; got {failure}");
        return (KubeAccessException)failure;
    }

    private static string Show(string input)
    {
        var s = input.Length > 300 ? input[..300] + $"... ({input.Length} chars)" : input;
        return System.Text.Json.JsonSerializer.Serialize(s);
    }
}
