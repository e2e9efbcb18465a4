using Kube.Access.Testing;

namespace Kube.Access.Cli.Tour;

/// <summary>What a tour chapter works with: the running emulator, a kubeconfig that reaches it, and where to print.</summary>
internal sealed class TourContext
{
    public TourContext(KubeApiEmulator emulator, string kubeconfigPath, TextWriter output)
    {
        Emulator = emulator;
        KubeconfigPath = kubeconfigPath;
        Output = output;
    }

    /// <summary>The embedded emulator (guide scenario).</summary>
    public KubeApiEmulator Emulator { get; }

    /// <summary>A kubeconfig file (bearer token) whose current context reaches the emulator.</summary>
    public string KubeconfigPath { get; }

    /// <summary>Where the chapter prints.</summary>
    public TextWriter Output { get; }

    /// <summary>Prints a shell-like line showing the equivalent kubectl command.</summary>
    public void Command(string kubectlEquivalent) => Output.WriteLine("$ " + kubectlEquivalent);

    /// <summary>Prints a line.</summary>
    public void Line(string text = "") => Output.WriteLine(text);

    /// <summary>Prints rows as kubectl prints tables: upper-case headers, columns padded by three spaces.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = new int[headers.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < widths.Length && i < row.Count; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        foreach (var row in all)
        {
            var cells = row.Select((c, i) => i == widths.Length - 1 ? c : c.PadRight(widths[i] + 3));
            Output.WriteLine(string.Concat(cells).TrimEnd());
        }
    }
}
