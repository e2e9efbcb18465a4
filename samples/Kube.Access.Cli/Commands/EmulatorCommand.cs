using System.CommandLine;
using System.Runtime.InteropServices;
using Kube.Access.Testing;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access emulator</c>: runs the in-process Kubernetes API emulator in the foreground.</summary>
internal static class EmulatorCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "Loopback port to listen on (0 = ephemeral).", DefaultValueFactory = _ => 0 };
        var https = new Option<bool>("--https") { Description = "Serve HTTPS with a generated CA and serving certificate." };
        var scenario = new Option<string>("--scenario") { Description = "Objects to seed: guide or empty.", DefaultValueFactory = _ => "guide" };
        scenario.AcceptOnlyFromAmong("guide", "empty");
        var pods = new Option<int>("--pods") { Description = "Extra synthetic pods across namespaces (realistic image mix).", DefaultValueFactory = _ => 0 };
        var kubeconfigOut = new Option<string?>("--kubeconfig-out") { Description = "Write a kubeconfig (bearer token) that reaches the emulator to this file." };
        var command = new Command("emulator", "Run the in-process Kubernetes API emulator until Ctrl+C.")
        {
            port, https, scenario, pods, kubeconfigOut,
        };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var podCount = r.GetValue(pods);
            if (podCount < 0)
            {
                Console.Error.WriteLine("error: --pods must not be negative");
                return 2;
            }
            KubeApiEmulator emulator;
            try
            {
                emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
                {
                    Port = r.GetValue(port),
                    Https = r.GetValue(https),
                    Scenario = r.GetValue(scenario) == "empty" ? EmulatorScenario.Empty : EmulatorScenario.Guide,
                    SyntheticPods = podCount,
                    // Serving people, not a test: a failure of the emulator is answered 500 and kept going.
                    FailOnUnexpectedErrors = false,
                }, ct);
            }
            catch (Kube.Access.KubeAccessException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
            await using (emulator)
            {
                var kubeconfig = r.GetValue(kubeconfigOut);
                if (!string.IsNullOrEmpty(kubeconfig))
                {
                    emulator.WriteKubeconfig(kubeconfig, EmulatorAuth.Token);
                    Console.WriteLine($"Kubeconfig written to {Path.GetFullPath(kubeconfig)}");
                }
                Console.WriteLine($"Kubernetes API emulator listening at {emulator.Url.ToString().TrimEnd('/')}");
                Console.Out.Flush();
                await CliConnection.WaitUntilCancelledAsync(ct);
                Console.WriteLine("Stopping the emulator.");
            }
            return 0;
        });
        return command;
    }
}
