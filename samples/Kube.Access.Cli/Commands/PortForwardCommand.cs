using System.CommandLine;
using Kube.Access.PortForward;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access port-forward TYPE/NAME [LOCAL:]REMOTE... [--address ...] [-n NS]</c>, printing kubectl's lines.</summary>
internal static class PortForwardCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("TYPE/NAME") { Description = "pod/NAME (or NAME), deployment/NAME, replicaset/NAME or service/NAME." };
        var ports = new Argument<string[]>("[LOCAL:]REMOTE") { Description = "Port specs: 28015:27017, :27017 (random local port), 27017.", Arity = ArgumentArity.ZeroOrMore };
        var address = new Option<string[]>("--address")
        {
            Description = "Addresses to listen on (comma separated): IP addresses or localhost. Default localhost (127.0.0.1 and ::1).",
            DefaultValueFactory = _ => ["localhost"],
        };
        var ns = CliConnection.Namespace;
        var timeout = new Option<TimeSpan?>("--pod-running-timeout") { Description = "How long to wait for a pod of the target (default 1m)." };
        var noFollow = new Option<bool>("--no-follow") { Description = "Keep kubectl's behaviour: do not move to a new pod when the target's pod goes away." };
        var roundRobin = new Option<bool>("--round-robin") { Description = "For a service, spread new connections over all its ready pods." };

        var command = new Command("port-forward", "Forward one or more local ports to a pod (as kubectl port-forward).")
        {
            target, ports, address, timeout, noFollow, roundRobin,
        };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            // kubectl port-forward catches os.Interrupt and returns normally: Ctrl+C exits 0 (SIGTERM 143).
            CliSignals.InterruptEndsNormally = true;
            if (r.GetValue(ports) is not { Length: > 0 })
            {
                return CliConnection.UsageError("port-forward", "TYPE/NAME and list of ports are required for port-forward");
            }

            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct).ConfigureAwait(false);
                var forwarder = new PortForwarder(connection);
                var options = new PortForwardOptions
                {
                    Addresses = r.GetValue(address) ?? ["localhost"],
                    FollowTargetPods = !r.GetValue(noFollow),
                    LoadBalanceServicePods = r.GetValue(roundRobin),
                };
                if (r.GetValue(timeout) is { } t)
                {
                    options.PodRunningTimeout = t;
                }

                // Handlers attached before the listeners start, so no early connection goes unreported.
                options.OnStarting = starting =>
                {
                    starting.ConnectionOpened += (_, c) => Console.WriteLine(c.KubectlLine);
                    starting.ConnectionClosed += (_, c) =>
                    {
                        if (c.Error is { } error)
                        {
                            Console.Error.WriteLine($"E{DateTime.Now:MMdd HH:mm:ss.ffffff} portforward.go] \"Unhandled Error\" err=\"{error.Message}\"");
                        }
                    };
                    starting.PodChanged += (_, c) => Console.WriteLine($"Pod {c.PreviousPod} went away ({c.Reason}); forwarding to pod {c.Pod} now");
                };

                await using var session = await forwarder.StartAsync(r.GetValue(target)!, r.GetValue(ports)!, r.GetValue(ns), options, ct).ConfigureAwait(false);
                foreach (var port in session.Ports)
                {
                    Console.WriteLine(port.KubectlLine);
                }

                await session.Completion.WaitAsync(ct).ConfigureAwait(false);
                return 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }
            catch (KubeAccessException ex)
            {
                return CliConnection.ReportError(ex);
            }
        });
        return command;
    }
}
