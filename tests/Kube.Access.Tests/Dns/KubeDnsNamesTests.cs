using FluentAssertions;
using k8s.Models;
using Kube.Access.Dns;
using Xunit;

namespace Kube.Access.Tests.Dns;

public class KubeDnsNamesTests
{
    [Fact]
    public void Service_names()
    {
        KubeDnsNames.Service("hello", "default").Should().Be("hello.default.svc.cluster.local");
        KubeDnsNames.Service("hello", "prod", "example.org.").Should().Be("hello.prod.svc.example.org");
        KubeDnsNames.ServiceSearchNames("hello", "default").Should().Equal("hello", "hello.default", "hello.default.svc");
    }

    [Fact]
    public void Srv_names()
    {
        KubeDnsNames.ServiceSrv("http", "TCP", "hello", "default").Should().Be("_http._tcp.hello.default.svc.cluster.local");
        KubeDnsNames.ServiceSrv("dns", "UDP", "kube-dns", "kube-system", "k8s.test").Should().Be("_dns._udp.kube-dns.kube-system.svc.k8s.test");
    }

    [Theory]
    [InlineData("10.244.1.5", "10-244-1-5")]
    [InlineData("192.0.2.17", "192-0-2-17")]
    [InlineData("2001:db8::1", "2001-db8--1")]
    [InlineData("fd00::a:b", "fd00--a-b")]
    public void Pod_records_use_the_dashed_ip(string ip, string dashed)
    {
        KubeDnsNames.DashedIp(ip).Should().Be(dashed);
        KubeDnsNames.Pod(ip, "default").Should().Be($"{dashed}.default.pod.cluster.local");
    }

    [Fact]
    public void Headless_pod_names()
    {
        KubeDnsNames.HeadlessPod("busybox-1", "busybox-subdomain", "default").Should().Be("busybox-1.busybox-subdomain.default.svc.cluster.local");
        KubeDnsNames.HeadlessPod("10.1.2.3", "db", "prod").Should().Be("10-1-2-3.db.prod.svc.cluster.local");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-ip")]
    [InlineData("300.1.1.1")]
    public void Bad_inputs_raise_argument_errors(string ip)
    {
        var act = () => KubeDnsNames.DashedIp(ip);
        act.Should().Throw<ArgumentException>();
        var act2 = () => KubeDnsNames.Service("", "default");
        act2.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Records_of_a_cluster_ip_service()
    {
        var svc = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "hello", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec
            {
                ClusterIP = "10.96.0.20",
                ClusterIPs = ["10.96.0.20", "fd00::20"],
                Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }, new V1ServicePort { Port = 81 }],
            },
        };
        KubeDnsNames.RecordsFor(svc).Select(r => r.ToString()).Should().Equal(
            "hello.default.svc.cluster.local A 10.96.0.20",
            "hello.default.svc.cluster.local AAAA fd00::20",
            "_http._tcp.hello.default.svc.cluster.local SRV 0 100 80 hello.default.svc.cluster.local");
    }

    [Fact]
    public void Records_of_a_headless_service_name_each_endpoint()
    {
        var svc = new V1Service { Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "prod" }, Spec = new V1ServiceSpec { ClusterIP = "None" } };
        var eps = new V1Endpoints
        {
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = [new V1EndpointAddress { Ip = "10.1.0.4", Hostname = "db-0" }, new V1EndpointAddress { Ip = "10.1.0.5" }],
                    Ports = [new Corev1EndpointPort { Name = "pg", Port = 5432, Protocol = "TCP" }],
                },
            ],
        };
        KubeDnsNames.RecordsFor(svc, eps).Select(r => r.ToString()).Should().Equal(
            "db.prod.svc.cluster.local A 10.1.0.4",
            "db-0.db.prod.svc.cluster.local A 10.1.0.4",
            "_pg._tcp.db.prod.svc.cluster.local SRV 0 100 5432 db-0.db.prod.svc.cluster.local",
            "db.prod.svc.cluster.local A 10.1.0.5",
            "10-1-0-5.db.prod.svc.cluster.local A 10.1.0.5",
            "_pg._tcp.db.prod.svc.cluster.local SRV 0 100 5432 10-1-0-5.db.prod.svc.cluster.local");
    }

    [Fact]
    public void External_name_is_a_cname()
    {
        var svc = new V1Service { Metadata = new V1ObjectMeta { Name = "ext", NamespaceProperty = "a" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "db.example.com" } };
        KubeDnsNames.RecordsFor(svc).Single().Should().Be(new DnsRecord("ext.a.svc.cluster.local", DnsRecordType.CNAME, "db.example.com"));
    }
}

public class ClusterDomainTests
{
    [Theory]
    [InlineData("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", "cluster.local")]
    [InlineData("nameserver 10.0.0.10\nsearch prod.svc.k8s.example.org svc.k8s.example.org k8s.example.org corp.example\n", "k8s.example.org")]
    [InlineData("search svc.custom.zone custom.zone\n", "custom.zone")]
    [InlineData("# search default.svc.cluster.local\nsearch corp.example\n", null)]
    [InlineData("nameserver 8.8.8.8\n", null)]
    [InlineData("", null)]
    [InlineData("search a.b.svc.c\n", null)] // "svc" deeper than ns.svc is not a cluster search entry
    public void From_resolv_conf(string text, string? domain) => ClusterDomain.FromResolvConf(text).Should().Be(domain);

    [Fact]
    public async Task Detect_falls_back_to_cluster_local_and_reads_a_file()
    {
        (await ClusterDomain.DetectAsync(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "resolv.conf"))).Should().Be("cluster.local");
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "search ns1.svc.my.domain svc.my.domain my.domain\n");
            (await ClusterDomain.DetectAsync(file)).Should().Be("my.domain");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(".:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n    }\n    forward . /etc/resolv.conf\n}\n", "cluster.local")]
    [InlineData(".:53 {\n  kubernetes in-addr.arpa k8s.test ip6.arpa {\n  }\n}", "k8s.test")]
    [InlineData(".:53 {\n  forward . 8.8.8.8\n}", null)]
    [InlineData("# kubernetes commented.out\n", null)]
    public void From_corefile(string corefile, string? domain) => ClusterDomain.FromCorefile(corefile).Should().Be(domain);
}
