using System.CommandLine;

namespace Kube.Access.Cli.Commands;

/// <summary>Every top-level command of kube-access; each area adds its own line.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create()
    {
        yield return ApiCommand.Create();
        yield return ApiCommand.CreateVersion();
        yield return ImagesCommand.Create();
        yield return PortForwardCommand.Create();
        yield return EmulatorCommand.Create();
        yield return ProxyCommand.Create();
        yield return ClusterInfoCommand.Create();
        yield return DashboardCommand.Create();
        yield return TourCommand.Create();
        yield return ConfigCommand.Create();
        yield return ApplyCommand.Create();
        yield return ExposeCommand.Create();
        yield return ServicesCommand.Create();
        yield return DnsCommand.Create();
        yield return DeployCommand.Create();
        yield return ExecCommand.Create();
        yield return ExecCommand.CreateAttach();
    }
}
