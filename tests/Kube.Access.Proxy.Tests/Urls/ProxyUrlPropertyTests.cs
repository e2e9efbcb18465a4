using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kube.Access.Proxy;

namespace Kube.Access.Proxy.Tests.Urls;

/// <summary>Generators of valid and hostile proxy URL parts.</summary>
public static class ProxyUrlArbitraries
{
    private static Gen<string> Label(bool letterFirst, int max)
    {
        const string alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
        var first = Gen.Elements((letterFirst ? "abcdefghijklmnopqrstuvwxyz" : alnum).ToCharArray());
        var middle = Gen.Elements((alnum + "-").ToCharArray());
        var last = Gen.Elements(alnum.ToCharArray());
        return Gen.Choose(0, max - 2).SelectMany(n =>
            first.SelectMany(f => Gen.ArrayOf(middle, n).SelectMany(m => last.Select(l => n == 0 && l == f ? f.ToString() : f + new string(m) + l))));
    }

    private static readonly Gen<string> PortName = Gen.Elements("http", "https", "dns-tcp", "metrics", "web", "p8080", "a-b");

    private static readonly Gen<string> Text = Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null),
        Gen.Elements("a b", "ü", "%", "%2F", "&", "=", "+", "#", "?", "/", ":", "é/ü", "x y=z&w", "😀", "~._-", "."));

    private static readonly Gen<string> Segment = Text.Select(s => s.Replace("/", "_", StringComparison.Ordinal)).Where(s => s is not "." and not "..");

    private static readonly Gen<string> PathGen = Gen.OneOf(
        Gen.Constant(string.Empty),
        Gen.Constant("/"),
        Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Segment, n)).Select(parts => "/" + string.Join('/', parts)));

    private static readonly Gen<KeyValuePair<string, string?>> QueryPair =
        Text.Where(k => k.Length > 0).SelectMany(k => Gen.OneOf(Gen.Constant<string?>(null), Text.Select(v => (string?)v)).Select(v => new KeyValuePair<string, string?>(k, v)));

    private static readonly Gen<Uri?> ServerGen = Gen.Elements<Uri?>(
        null,
        new Uri("http://127.0.0.1:8001"),
        new Uri("https://203.0.113.10:6443"),
        new Uri("https://[::1]:6443"),
        new Uri("https://rancher.example/k8s/clusters/c-1"));

    /// <summary>Valid proxy URLs whose path, query and fragment are arbitrary text.</summary>
    public static Arbitrary<ProxyUrl> ProxyUrl()
    {
        var gen =
            from kind in Gen.Elements(ProxyResourceKind.Service, ProxyResourceKind.Pod, ProxyResourceKind.Node)
            from ns in Label(false, 63)
            from name in kind == ProxyResourceKind.Service ? Label(true, 63) : Label(false, 40)
            from scheme in Gen.Elements<string?>(null, "http", "https")
            from port in Gen.OneOf(
                Gen.Constant<string?>(null),
                Gen.Choose(1, 65535).Select(p => (string?)p.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                kind == ProxyResourceKind.Service ? PortName.Select(p => (string?)p) : Gen.Constant<string?>(null))
            from path in PathGen
            from query in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(QueryPair, n))
            from fragment in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(f => (string?)f))
            from server in ServerGen
            select new ProxyUrl
            {
                Kind = kind,
                Namespace = kind == ProxyResourceKind.Node ? null : ns,
                Name = name,
                Scheme = scheme,
                Port = port,
                Path = path,
                Query = query,
                Fragment = fragment,
                Server = server,
            };
        return Arb.From(gen);
    }
}

public sealed class ProxyUrlPropertyTests
{
    private static readonly ProxyUrlBuilder Builder = new();

    [Property(Arbitrary = [typeof(ProxyUrlArbitraries)], MaxTest = 500)]
    public bool Parse_of_build_is_identity(ProxyUrl url)
    {
        var text = Builder.Build(url);
        return Builder.Parse(text).Equals(url);
    }

    [Property(MaxTest = 1000)]
    public bool Parse_of_any_text_returns_or_raises_only_ProxyUrlException(string? text)
    {
        try
        {
            var parsed = Builder.Parse(text!);
            // Whatever parses must build back into something that parses to the same parts.
            return Builder.Parse(Builder.Build(parsed)).Equals(parsed);
        }
        catch (ProxyUrlException)
        {
            return true;
        }
    }

    [Property(MaxTest = 500)]
    public bool Parse_of_mutated_valid_urls_returns_or_raises_only_ProxyUrlException(NonNegativeInt at, char inserted)
    {
        const string valid = "https://h:6443/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/a%20b?x=1&y#frag";
        var i = at.Get % (valid.Length + 1);
        var text = valid.Insert(i, inserted.ToString());
        try
        {
            var parsed = Builder.Parse(text);
            return Builder.Parse(Builder.Build(parsed)).Equals(parsed);
        }
        catch (ProxyUrlException)
        {
            return true;
        }
    }

    [Property(MaxTest = 500)]
    public bool Build_of_arbitrary_parts_returns_or_raises_only_ProxyUrlException(string? ns, string name, string? port, string? scheme, string? path)
    {
        try
        {
            var url = new ProxyUrl { Kind = ProxyResourceKind.Service, Namespace = ns, Name = name ?? string.Empty, Port = port, Scheme = scheme, Path = path! };
            return Builder.Parse(Builder.Build(url)).Equals(url);
        }
        catch (ProxyUrlException)
        {
            return true;
        }
    }
}
