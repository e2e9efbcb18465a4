using System.Net;
using FluentAssertions;
using Kube.Access.PortForward;
using Xunit;

namespace Kube.Access.PortForward.Tests;

public sealed class SpecParsingTests
{
    [Theory]
    [InlineData("28015:27017", 28015, "27017", false)]
    [InlineData(":27017", 0, "27017", false)]
    [InlineData("0:27017", 0, "27017", false)]
    [InlineData("27017", 27017, "27017", true)]
    [InlineData("8080:http", 8080, "http", false)]
    [InlineData("mongodb-port", 0, "mongodb-port", true)]
    [InlineData("65535:1", 65535, "1", false)]
    public void Parses_kubectl_port_specs(string spec, int local, string remote, bool fromRemote)
    {
        var mapping = PortMapping.Parse(spec);

        mapping.LocalPort.Should().Be(local);
        mapping.Remote.Should().Be(remote);
        mapping.LocalPortFromRemote.Should().Be(fromRemote);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("1:2:3")]
    [InlineData("28015:")]
    [InlineData("70000:80")]
    [InlineData("80:70000")]
    [InlineData("80:0")]
    [InlineData("0")]
    [InlineData("-1:80")]
    [InlineData("abc:80")]
    [InlineData("80:Http")]
    [InlineData("80:a_b")]
    [InlineData("80:-http")]
    [InlineData("80:1234567890123456")]
    [InlineData("80:this-name-is-too-long")]
    [InlineData("999999999999:80")]
    [InlineData("+80:81")]
    public void Rejects_malformed_port_specs_with_a_typed_error(string spec)
    {
        var act = () => PortMapping.Parse(spec);

        act.Should().Throw<PortForwardSpecException>().Which.Spec.Should().Be(spec);
    }

    [Fact]
    public void Port_spec_parsing_never_raises_anything_but_the_typed_error()
    {
        var random = new Random(1234);
        const string alphabet = "0123456789:-ab ,.";
        for (var i = 0; i < 5000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            try
            {
                var mapping = PortMapping.Parse(text);
                mapping.LocalPort.Should().BeInRange(0, 65535);
                (mapping.RemoteNumber is null or >= 1 and <= 65535).Should().BeTrue();
            }
            catch (PortForwardSpecException)
            {
            }
        }
    }

    [Theory]
    [InlineData("mongo-75f59d57f4-4nd6q", PortForwardTargetKind.Pod, "mongo-75f59d57f4-4nd6q")]
    [InlineData("pod/mongo-0", PortForwardTargetKind.Pod, "mongo-0")]
    [InlineData("pods/mongo-0", PortForwardTargetKind.Pod, "mongo-0")]
    [InlineData("po/mongo-0", PortForwardTargetKind.Pod, "mongo-0")]
    [InlineData("deployment/mongo", PortForwardTargetKind.Deployment, "mongo")]
    [InlineData("deploy/mongo", PortForwardTargetKind.Deployment, "mongo")]
    [InlineData("deployments.apps/mongo", PortForwardTargetKind.Deployment, "mongo")]
    [InlineData("replicaset/mongo-75f59d57f4", PortForwardTargetKind.ReplicaSet, "mongo-75f59d57f4")]
    [InlineData("rs/mongo-75f59d57f4", PortForwardTargetKind.ReplicaSet, "mongo-75f59d57f4")]
    [InlineData("service/mongo", PortForwardTargetKind.Service, "mongo")]
    [InlineData("svc/mongo", PortForwardTargetKind.Service, "mongo")]
    [InlineData("SVC/mongo", PortForwardTargetKind.Service, "mongo")]
    public void Parses_kubectl_targets(string text, PortForwardTargetKind kind, string name)
    {
        var target = PortForwardTarget.Parse(text, "ns1");

        target.Should().Be(new PortForwardTarget(kind, name, "ns1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("job/mongo")]
    [InlineData("statefulset/db")]
    [InlineData("pod/")]
    [InlineData("pod/Mongo")]
    [InlineData("pod/-mongo")]
    [InlineData("pod/a/b")]
    [InlineData("/mongo")]
    public void Rejects_unsupported_or_malformed_targets(string text)
    {
        var act = () => PortForwardTarget.Parse(text);

        act.Should().Throw<PortForwardSpecException>();
    }

    [Fact]
    public void Localhost_means_both_loopbacks_each_optional_and_explicit_addresses_are_required()
    {
        var addresses = PortForwarder.ParseAddresses(["localhost", "127.0.0.1", "::1"]);

        addresses.Should().Contain((IPAddress.Loopback, true));
        addresses.Should().HaveCount(2);
        addresses.Should().OnlyContain(a => a.Required, "an explicit address must bind even when localhost also names it");
        PortForwarder.ParseAddresses(["localhost"]).Should().OnlyContain(a => !a.Required);
        PortForwarder.ParseAddresses(["127.0.0.1,::1"]).Select(a => a.Address).Should().Equal(IPAddress.Loopback, IPAddress.IPv6Loopback);
    }

    [Theory]
    [InlineData("my-host")]
    [InlineData("127.0.0.300")]
    public void Rejects_addresses_that_are_not_IPs_or_localhost(string address)
    {
        var act = () => PortForwarder.ParseAddresses([address]);

        act.Should().Throw<PortForwardSpecException>().Which.Spec.Should().Be(address);
    }

    [Fact]
    public void Kubectl_lines_format_both_address_families()
    {
        new ForwardedPort(new IPEndPoint(IPAddress.Loopback, 28015), PortMapping.Parse("28015:27017"), 27017).KubectlLine
            .Should().Be("Forwarding from 127.0.0.1:28015 -> 27017");
        new ForwardedPort(new IPEndPoint(IPAddress.IPv6Loopback, 28015), PortMapping.Parse("28015:27017"), 27017).KubectlLine
            .Should().Be("Forwarding from [::1]:28015 -> 27017");
    }
}
