using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests;

public class SmokeTests
{
    [Fact]
    public async Task Starts()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions());
        api.ListNames("namespaces").Should().Contain("default");
    }
}
