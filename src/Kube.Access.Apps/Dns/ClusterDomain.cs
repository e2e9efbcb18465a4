namespace Kube.Access.Dns;

/// <summary>
/// The cluster domain (<c>cluster.local</c> unless the cluster says otherwise): read from a pod's
/// <c>/etc/resolv.conf</c> search list (<c>ns.svc.DOMAIN svc.DOMAIN DOMAIN</c>) or from CoreDNS's Corefile.
/// </summary>
public static class ClusterDomain
{
    /// <summary>Where a pod's resolver configuration lives.</summary>
    public const string ResolvConfPath = "/etc/resolv.conf";

    /// <summary>
    /// The cluster domain from resolv.conf text: the part after <c>svc.</c> in the first search entry of the form
    /// <c>svc.DOMAIN</c> or <c>NS.svc.DOMAIN</c>; <see langword="null"/> when the text has no such entry.
    /// </summary>
    public static string? FromResolvConf(string? resolvConf)
    {
        if (string.IsNullOrEmpty(resolvConf)) return null;
        foreach (var raw in resolvConf.Split('\n'))
        {
            var line = raw.Trim();
            var comment = line.IndexOfAny(['#', ';']);
            if (comment >= 0) line = line[..comment];
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || (parts[0] != "search" && parts[0] != "domain")) continue;
            foreach (var entry in parts.Skip(1))
            {
                var e = entry.TrimEnd('.');
                var labels = e.Split('.');
                for (var i = 0; i < labels.Length - 1 && i < 2; i++)
                {
                    if (labels[i] == "svc")
                    {
                        var domain = string.Join('.', labels.Skip(i + 1));
                        if (domain.Length > 0) return domain;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The cluster domain this process sees: from <paramref name="resolvConfPath"/> when it exists and names one,
    /// else <see cref="KubeDnsNames.DefaultClusterDomain"/>.
    /// </summary>
    public static async Task<string> DetectAsync(string resolvConfPath = ResolvConfPath, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!File.Exists(resolvConfPath)) return KubeDnsNames.DefaultClusterDomain;
            var text = await File.ReadAllTextAsync(resolvConfPath, cancellationToken).ConfigureAwait(false);
            return FromResolvConf(text) ?? KubeDnsNames.DefaultClusterDomain;
        }
        catch (IOException)
        {
            return KubeDnsNames.DefaultClusterDomain;
        }
        catch (UnauthorizedAccessException)
        {
            return KubeDnsNames.DefaultClusterDomain;
        }
    }

    /// <summary>
    /// The zones of the <c>kubernetes</c> plugin in a Corefile (<c>kubernetes cluster.local in-addr.arpa ip6.arpa {</c>):
    /// the first zone that is not a reverse zone is the cluster domain. <see langword="null"/> when there is none.
    /// </summary>
    public static string? FromCorefile(string? corefile)
    {
        if (string.IsNullOrEmpty(corefile)) return null;
        foreach (var raw in corefile.Split('\n'))
        {
            var line = raw.Trim();
            var comment = line.IndexOf('#');
            if (comment >= 0) line = line[..comment].Trim();
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || parts[0] != "kubernetes") continue;
            foreach (var zone in parts.Skip(1))
            {
                if (zone == "{") break;
                var z = zone.TrimEnd('.');
                if (z.EndsWith("in-addr.arpa", StringComparison.OrdinalIgnoreCase) || z.EndsWith("ip6.arpa", StringComparison.OrdinalIgnoreCase)) continue;
                if (z.Length > 0) return z;
            }
        }
        return null;
    }
}
