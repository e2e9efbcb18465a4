using System.Collections.Concurrent;
using System.Net;

namespace Kube.Access.Testing.Streaming;

/// <summary>The state of one emulated container: identity, environment, files, processes.</summary>
internal sealed class EmulatedContainer
{
    private int _nextPid = 1;

    public EmulatedContainer(string @namespace, string pod, string name, string image, ContainerFileSystem files, IReadOnlyDictionary<string, string> environment, Func<int, EndPoint?> localPort, HttpMessageInvoker http)
    {
        Namespace = @namespace;
        Pod = pod;
        Name = name;
        Image = image;
        Files = files;
        Environment = environment;
        LocalPort = localPort;
        Http = http;
    }

    public string Namespace { get; }

    public string Pod { get; }

    public string Name { get; }

    public string Image { get; }

    public ContainerFileSystem Files { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>What listens on <c>localhost:port</c> inside the pod.</summary>
    public Func<int, EndPoint?> LocalPort { get; }

    /// <summary>Client used by the built-in curl.</summary>
    public HttpMessageInvoker Http { get; }

    /// <summary>Running processes by pid (for <c>ps</c>).</summary>
    public ConcurrentDictionary<int, (string Command, bool Tty)> Processes { get; } = new();

    public int Start(string command, bool tty)
    {
        var pid = Interlocked.Increment(ref _nextPid) - 1;
        Processes[pid] = (command, tty);
        if (pid == 1)
        {
            Interlocked.Exchange(ref _nextPid, 7);
        }

        return pid;
    }

    public void Exit(int pid) => Processes.TryRemove(pid, out _);
}
