using System.CommandLine;
using System.Reflection;

namespace Kube.Access.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("client-version", "Print the kube-access client version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"kube-access {version}");
            return 0;
        });
        return command;
    }
}
