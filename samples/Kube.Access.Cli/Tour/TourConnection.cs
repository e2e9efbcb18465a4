using Kube.Access.Testing;

namespace Kube.Access.Cli.Tour;

/// <summary>A connection to the tour's emulator with its CA and default token, for chapters that use the SDK directly.</summary>
internal static class TourConnection
{
    public static KubeConnection Create(KubeApiEmulator api) => new(api.CreateEndpoint(EmulatorAuth.Token, "default"));
}
