using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using Kube.Access.InCluster;
using Kube.Access.Kubeconfig;
using Xunit;

namespace Kube.Access.Abstractions.Tests;

/// <summary>No public type prints a secret it holds; other programs' error output is cut and scrubbed.</summary>
public sealed class RedactionTests
{
    private const string Sentinel = "S3NTINEL";

    private static readonly Assembly[] Assemblies =
    [
        typeof(KubeEndpoint).Assembly, typeof(Kubeconfig.Kubeconfig).Assembly, typeof(InClusterConfig).Assembly,
        typeof(KubeEndpointOverrides).Assembly, typeof(Kube.Access.Manifests.ManifestApplier).Assembly,
        typeof(Kube.Access.PortForward.PortForwarder).Assembly, typeof(Kube.Access.Proxy.DashboardAccess).Assembly,
        typeof(Kube.Access.Images.ImageInventory).Assembly,
    ];

    /// <summary>Names of members that hold a secret; paths to files holding one (<c>ClientKey</c>, <c>TokenFile</c>) are not secrets.</summary>
    private static bool IsSecret(Type owner, string name) =>
        Regex.IsMatch(name, "token|password|secret|keypem|keydata|proxyurl", RegexOptions.IgnoreCase) && !name.EndsWith("File", StringComparison.Ordinal) && !name.EndsWith("Path", StringComparison.Ordinal)
        || (owner.Name.Contains("Env", StringComparison.Ordinal) && name.Equals("value", StringComparison.OrdinalIgnoreCase))
        || (owner.Name.Contains("AuthProvider", StringComparison.Ordinal) && name.Equals("config", StringComparison.OrdinalIgnoreCase));

    private static object? SecretValue(Type type, string name)
    {
        if (name.Contains("url", StringComparison.OrdinalIgnoreCase))
        {
            var url = $"http://user:{Sentinel}-{name}@127.0.0.1:3128";
            return type == typeof(Uri) ? new Uri(url) : type == typeof(string) ? url : null;
        }

        return Value(type, name, secret: true, depth: 0);
    }

    /// <summary>A value of <paramref name="type"/>; secrets carry the sentinel, everything else is plain.</summary>
    private static object? Value(Type type, string name, bool secret, int depth)
    {
        var text = secret ? $"{Sentinel}-{name}" : "plain";
        if (type == typeof(string))
        {
            return text;
        }

        if (type == typeof(byte[]))
        {
            return System.Text.Encoding.ASCII.GetBytes(text);
        }

        if (type == typeof(Uri))
        {
            return new Uri("https://127.0.0.1:6443");
        }

        if (type == typeof(IReadOnlyList<string>) || type == typeof(IEnumerable<string>))
        {
            return new[] { text };
        }

        if (type == typeof(IReadOnlyDictionary<string, string>))
        {
            return new Dictionary<string, string> { ["k"] = text };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var item = Value(type.GenericTypeArguments[0], name, secret, depth + 1);
            var array = Array.CreateInstance(type.GenericTypeArguments[0], item is null ? 0 : 1);
            if (item is not null)
            {
                array.SetValue(item, 0);
            }

            return array;
        }

        if (type.IsEnum || type.IsValueType)
        {
            return Activator.CreateInstance(Nullable.GetUnderlyingType(type) ?? type);
        }

        return depth < 4 && Assemblies.Contains(type.Assembly) || type == typeof(KubeCredential) ? Build(type, depth + 1) : null;
    }

    /// <summary>An instance of <paramref name="type"/> through its public constructor with the fewest parameters, every settable member filled.</summary>
    private static object? Build(Type type, int depth)
    {
        if (type.IsAbstract || type.IsInterface)
        {
            return type == typeof(IKubeCredentialSource) ? new StaticCredentialSource((KubeCredential)Build(typeof(KubeCredential), depth + 1)!) : null;
        }

        var ctor = type.GetConstructors().Where(c => c.GetParameters().All(p => p.ParameterType != type)).OrderBy(c => c.GetParameters().Length).FirstOrDefault();
        if (ctor is null)
        {
            return null;
        }

        object instance;
        try
        {
            instance = ctor.Invoke(ctor.GetParameters().Select(p => IsSecret(type, p.Name!) ? SecretValue(p.ParameterType, p.Name!) : Value(p.ParameterType, p.Name!, false, depth)).ToArray());
        }
        catch (TargetInvocationException)
        {
            return null;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var value = IsSecret(type, property.Name) ? SecretValue(property.PropertyType, property.Name) : Value(property.PropertyType, property.Name, false, depth);
            if (value is not null && property.PropertyType.IsInstanceOfType(value))
            {
                property.SetValue(instance, value);
            }
        }

        return instance;
    }

    [Fact]
    public void No_public_type_of_the_endpoint_assemblies_prints_a_secret_it_holds()
    {
        var checkedTypes = new List<string>();
        foreach (var type in Assemblies.SelectMany(a => a.GetExportedTypes()).Where(t => t is { IsAbstract: false, IsInterface: false, ContainsGenericParameters: false } && !t.IsEnum && !typeof(Delegate).IsAssignableFrom(t)))
        {
            var instance = Build(type, 0);
            if (instance is null)
            {
                continue;
            }

            string? text;
            try
            {
                text = instance.ToString();
            }
            catch (NullReferenceException)
            {
                // Built with null where the type's contract needs a model object of another assembly
                // (KubernetesClient's): not a valid instance, so nothing to judge.
                continue;
            }

            checkedTypes.Add(type.Name);
            text.Should().NotContain(Sentinel, $"{type.FullName}.ToString() must redact its secrets");
        }

        checkedTypes.Should().Contain([
            nameof(KubeEndpoint), nameof(KubeTlsSettings), nameof(KubeCredential), nameof(StaticCredentialSource),
            nameof(KubeconfigUser), nameof(KubeconfigCluster), nameof(KubeconfigExec), nameof(KubeconfigExecEnvVar), nameof(KubeconfigAuthProvider),
            nameof(KubeconfigClusterSettings), nameof(KubeconfigCredentialSettings), nameof(Kubeconfig.Kubeconfig), nameof(InClusterOptions), nameof(KubeEndpointOverrides), "DashboardAdminUser"]);
    }

    [Fact]
    public void The_sentinels_reach_the_printed_members_when_not_redacted()
    {
        // The check above can fail: a record printing its members would show the sentinel.
        var user = (KubeconfigUser)Build(typeof(KubeconfigUser), 0)!;
        user.Token.Should().Contain(Sentinel);
        user.ToString().Should().Contain("Token = REDACTED").And.Contain("Password = REDACTED").And.Contain("Username = plain");
        var endpoint = (KubeEndpoint)Build(typeof(KubeEndpoint), 0)!;
        endpoint.ProxyUrl!.UserInfo.Should().Contain(Sentinel);
        endpoint.ToString().Should().Contain("ProxyUrl = http://user:REDACTED@127.0.0.1:3128").And.Contain("ClientKeyPem = REDACTED");
    }

    [Theory]
    [InlineData("http://user:pa%40ss@proxy:3128/path", "http://user:REDACTED@proxy:3128/path")]
    [InlineData("socks5://u:p@127.0.0.1:1080", "socks5://u:REDACTED@127.0.0.1:1080")]
    [InlineData("http://user@proxy:3128", "http://user@proxy:3128")]
    [InlineData("http://proxy:3128/a@b", "http://proxy:3128/a@b")]
    [InlineData("not a url", "not a url")]
    public void Url_passwords_are_redacted_as_gos_url_redacted(string url, string expected) =>
        KubeRedaction.Url(url).Should().Be(expected);

    [Fact]
    public void Error_output_keeps_the_last_lines_within_512_characters_without_anything_token_shaped()
    {
        var jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz";
        var output = string.Concat(Enumerable.Range(0, 200).Select(i => $"noise line {i}\n"))
            + $"token: {jwt}\n"
            + "Authorization: Bearer abc.DEF-123_xyz\n"
            + "password=hunter2-secret and \"access_token\": \"ya29.A0AfH6SMB\"\n"
            + "key 0123456789abcdef0123456789abcdef0123 and blob QmFzZTY0RW5jb2RlZFNlY3JldFZhbHVlMTIzNDU2Nzg5\n"
            + "error: failed to get a token from /usr/local/google-cloud-sdk/bin/gke-gcloud-auth-plugin\n";
        var kept = KubeRedaction.ErrorOutput(output);
        kept.Length.Should().BeLessThanOrEqualTo(KubeRedaction.MaxErrorOutputLength + 3);
        kept.Should().StartWith("...").And.NotContain("noise line 194");
        kept.Should().NotContainAny(jwt, "abc.DEF", "hunter2", "ya29", "0123456789abcdef", "QmFzZTY0");
        kept.Should().Contain("Bearer REDACTED").And.Contain("password=REDACTED");
        kept.Should().EndWith("error: failed to get a token from /usr/local/google-cloud-sdk/bin/gke-gcloud-auth-plugin", "messages and paths stay readable");
        KubeRedaction.ErrorOutput("boom\n").Should().Be("boom");
        KubeRedaction.ErrorOutput("  \n").Should().BeEmpty();
    }
}
