using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Kube.Access.Kubeconfig.Yaml;
using Kube.Access.TestSupport;

namespace Kube.Access.Kubeconfig.Tests;

/// <summary>A temporary directory removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kubeconfig-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relative));

    public string Write(string relative, string content)
    {
        var full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    /// <summary>All files under the directory (relative path -> content).</summary>
    public Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories)
            .ToDictionary(f => System.IO.Path.GetRelativePath(Path, f), System.IO.File.ReadAllText);

    public void Restore(Dictionary<string, string> snapshot)
    {
        foreach (var f in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            System.IO.File.Delete(f);
        }

        foreach (var (rel, content) in snapshot)
        {
            Write(rel, content);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Structural comparison of kubectl's and our output.</summary>
public static class Structural
{
    /// <summary>YAML or JSON text to a JSON tree (YAML 1.1 scalars, as kubectl reads them).</summary>
    public static JsonNode? Parse(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{'))
        {
            return JsonNode.Parse(text);
        }

        var node = YamlReader.Read(text, "(output)");
        return node is null ? null : JsonNode.Parse(YamlWriter.ToJson(node));
    }

    public static void ShouldBeSameAs(this string ours, string kubectls, string because = "")
    {
        var a = Parse(ours);
        var b = Parse(kubectls);
        JsonNode.DeepEquals(a, b).Should().BeTrue($"ours and kubectl's output should be equal {because}\n--- ours ---\n{ours}\n--- kubectl ---\n{kubectls}");
    }
}

/// <summary>Generated key material.</summary>
public static class TestCerts
{
    public static (string CertPem, string KeyPem) Rsa(string format = "pkcs1", string cn = "alice")
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest($"CN={cn}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var key = format == "pkcs1" ? rsa.ExportRSAPrivateKeyPem() : rsa.ExportPkcs8PrivateKeyPem();
        return (cert.ExportCertificatePem(), key);
    }

    public static (string CertPem, string KeyPem) Ec(string format = "sec1", string cn = "bob")
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={cn}", ec, HashAlgorithmName.SHA256);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var key = format == "sec1" ? ec.ExportECPrivateKeyPem() : ec.ExportPkcs8PrivateKeyPem();
        return (cert.ExportCertificatePem(), key);
    }

    public static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
}

/// <summary>A controllable clock.</summary>
public sealed class ManualTime : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}
