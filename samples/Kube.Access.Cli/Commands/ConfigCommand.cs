using System.CommandLine;
using System.Text;
using Kube.Access.Kubeconfig;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access config ...</c>: kubectl's <c>config</c> subcommands on Kube.Access.Kubeconfig.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Command("config", "Modify and view kubeconfig files, like kubectl config.");
        config.Subcommands.Add(View());
        config.Subcommands.Add(GetContexts());
        config.Subcommands.Add(GetNames("get-clusters", "Display clusters defined in the kubeconfig.", k => k.Clusters.Select(c => c.Name)));
        config.Subcommands.Add(GetNames("get-users", "Display users defined in the kubeconfig.", k => k.Users.Select(u => u.Name)));
        config.Subcommands.Add(CurrentContext());
        config.Subcommands.Add(UseContext());
        config.Subcommands.Add(SetCluster());
        config.Subcommands.Add(SetCredentials());
        config.Subcommands.Add(SetContext());
        config.Subcommands.Add(Set());
        config.Subcommands.Add(Unset());
        config.Subcommands.Add(Delete("delete-context", "Delete the specified context from the kubeconfig.", (e, n, f, ct) => e.DeleteContextAsync(n, f, ct)));
        config.Subcommands.Add(Delete("delete-cluster", "Delete the specified cluster from the kubeconfig.", (e, n, f, ct) => e.DeleteClusterAsync(n, f, ct)));
        config.Subcommands.Add(Delete("delete-user", "Delete the specified user from the kubeconfig.", (e, n, f, ct) => e.DeleteUserAsync(n, f, ct)));
        config.Subcommands.Add(RenameContext());
        return config;
    }

    // The root's recursive --kubeconfig, wherever it is given (`kube-access --kubeconfig f config view` and `kube-access config view --kubeconfig f` alike, as kubectl).
    private static KubeconfigLoadingOptions Files(ParseResult r) => new() { ExplicitPath = r.GetValue(CliConnection.Kubeconfig) };

    private static bool Given(ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };

    private static string? Value(ParseResult r, Option<string?> option) => Given(r, option) ? r.GetValue(option) ?? string.Empty : null;

    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (KubeAccessException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 1;
        }
    }

    private static async Task<int> EditAsync(Func<IKubeconfigEditor, Task<KubeconfigEditResult>> edit) =>
        await RunAsync(async () =>
        {
            var result = await edit(new KubeconfigEditor());
            if (result.Warning is not null)
            {
                await Console.Error.WriteLineAsync(result.Warning);
            }

            Console.WriteLine(result.Message);
        });

    private static Command View()
    {
        var minify = new Option<bool>("--minify") { Description = "Remove all information not used by the current context from the output." };
        var flatten = new Option<bool>("--flatten") { Description = "Flatten the resulting kubeconfig file into self-contained output (embeds certificate files)." };
        var raw = new Option<bool>("--raw") { Description = "Display raw byte data and sensitive data." };
        var output = new Option<string>("--output", "-o") { Description = "Output format: yaml or json.", DefaultValueFactory = _ => "yaml" };
        var command = new Command("view", "Display merged kubeconfig settings or a specified kubeconfig file.") { minify, flatten, raw, output };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await RunAsync(async () =>
        {
            var format = r.GetValue(output) switch
            {
                "json" => KubeconfigOutputFormat.Json,
                "yaml" or null => KubeconfigOutputFormat.Yaml,
                var other => throw new KubeAccessException($"unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,yaml"),
            };
            var loaded = await KubeconfigLoader.Instance.LoadAsync(Files(r), ct);
            var text = await KubeconfigView.RenderAsync(loaded, new KubeconfigViewOptions
            {
                Minify = r.GetValue(minify),
                Flatten = r.GetValue(flatten),
                Raw = r.GetValue(raw),
                Context = r.GetValue(CliConnection.Context), // the root's --context: the one --minify keeps
                Format = format,
            }, ct);
            Console.Write(text);
        }));
        return command;
    }

    /// <summary>kubectl's <c>config get-clusters</c> / <c>get-users</c>: a NAME header, then the names (sorted; kubectl prints clusters in map order).</summary>
    private static Command GetNames(string verb, string description, Func<Kube.Access.Kubeconfig.Kubeconfig, IEnumerable<string>> names)
    {
        var command = new Command(verb, description);
        command.SetAction(async (ParseResult r, CancellationToken ct) => await RunAsync(async () =>
        {
            var loaded = await KubeconfigLoader.Instance.LoadAsync(Files(r), ct);
            var sb = new StringBuilder("NAME\n");
            foreach (var name in names(loaded).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                sb.Append(name).Append('\n');
            }

            Console.Write(sb.ToString());
        }));
        return command;
    }

    private static Command GetContexts()
    {
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne, Description = "Only this context." };
        var noHeaders = new Option<bool>("--no-headers") { Description = "Don't print headers." };
        var output = new Option<string?>("--output", "-o") { Description = "Output format: name." };
        var command = new Command("get-contexts", "Describe one or many contexts.") { name, noHeaders, output };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await RunAsync(async () =>
        {
            var loaded = await KubeconfigLoader.Instance.LoadAsync(Files(r), ct);
            var contexts = loaded.Contexts.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            var only = r.GetValue(name);
            if (only is not null)
            {
                contexts = contexts.Where(c => c.Name == only).ToList();
                if (contexts.Count == 0)
                {
                    throw new KubeconfigException($"context {only} not found");
                }
            }

            if (r.GetValue(output) == "name")
            {
                foreach (var c in contexts)
                {
                    Console.WriteLine(c.Name);
                }

                return;
            }

            var rows = new List<string[]> { new[] { "CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE" } };
            rows.AddRange(contexts.Select(c => new[] { c.Name == loaded.CurrentContext ? "*" : string.Empty, c.Name, c.Cluster ?? string.Empty, c.User ?? string.Empty, c.Namespace ?? string.Empty }));
            Console.Write(Table(rows, printHeader: !r.GetValue(noHeaders)));
        }));
        return command;
    }

    /// <summary>kubectl's table (Go tabwriter: minimum cell width 6 including the padding of 3).</summary>
    private static string Table(List<string[]> rows, bool printHeader)
    {
        var printed = printHeader ? rows : rows.Skip(1).ToList();
        if (printed.Count == 0)
        {
            return string.Empty;
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => Math.Max(6, printed.Max(r => r[i].Length) + 3)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in printed)
        {
            for (var i = 0; i < row.Length; i++)
            {
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i]));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static Command CurrentContext()
    {
        var command = new Command("current-context", "Display the current-context.");
        command.SetAction(async (ParseResult r, CancellationToken ct) => await RunAsync(async () =>
        {
            var loaded = await KubeconfigLoader.Instance.LoadAsync(Files(r), ct);
            Console.WriteLine(loaded.CurrentContext ?? throw new KubeconfigException("current-context is not set"));
        }));
        return command;
    }

    private static Command UseContext()
    {
        var name = new Argument<string>("context") { Description = "The context to use." };
        var command = new Command("use-context", "Set the current-context in a kubeconfig file.") { name };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => e.UseContextAsync(r.GetValue(name)!, Files(r), ct)));
        return command;
    }

    private static Command SetCluster()
    {
        var name = new Argument<string>("name");
        var server = new Option<string?>("--server") { Description = "server for the cluster entry in kubeconfig" };
        var ca = new Option<string?>("--certificate-authority") { Description = "Path to certificate-authority file for the cluster entry in kubeconfig" };
        var embed = new Option<bool>("--embed-certs") { Description = "embed-certs for the cluster entry in kubeconfig" };
        var insecure = new Option<bool>("--insecure-skip-tls-verify") { Description = "insecure-skip-tls-verify for the cluster entry in kubeconfig" };
        var tlsName = new Option<string?>("--tls-server-name") { Description = "tls-server-name for the cluster entry in kubeconfig" };
        var proxy = new Option<string?>("--proxy-url") { Description = "proxy-url for the cluster entry in kubeconfig" };
        var command = new Command("set-cluster", "Set a cluster entry in kubeconfig.") { name, server, ca, embed, insecure, tlsName, proxy };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => e.SetClusterAsync(r.GetValue(name)!, new KubeconfigClusterSettings
        {
            Server = Value(r, server),
            CertificateAuthority = Value(r, ca),
            EmbedCerts = r.GetValue(embed),
            InsecureSkipTlsVerify = Given(r, insecure) ? r.GetValue(insecure) : null,
            TlsServerName = Value(r, tlsName),
            ProxyUrl = Value(r, proxy),
        }, Files(r), ct)));
        return command;
    }

    private static Command SetCredentials()
    {
        var name = new Argument<string>("name");
        var cert = new Option<string?>("--client-certificate") { Description = "Path to client-certificate file for the user entry in kubeconfig" };
        var key = new Option<string?>("--client-key") { Description = "Path to client-key file for the user entry in kubeconfig" };
        var embed = new Option<bool>("--embed-certs") { Description = "Embed client cert/key for the user entry in kubeconfig" };
        var token = new Option<string?>("--token") { Description = "token for the user entry in kubeconfig" };
        var username = new Option<string?>("--username") { Description = "username for the user entry in kubeconfig" };
        var password = new Option<string?>("--password") { Description = "password for the user entry in kubeconfig" };
        var authProvider = new Option<string?>("--auth-provider") { Description = "Auth provider for the user entry in kubeconfig" };
        var authProviderArg = new Option<string[]>("--auth-provider-arg") { Description = "'key=value' arguments for the auth provider (key- removes)" };
        var execCommand = new Option<string?>("--exec-command") { Description = "Command for the exec credential plugin for the user entry in kubeconfig" };
        var execApi = new Option<string?>("--exec-api-version") { Description = "API version of the exec credential plugin for the user entry in kubeconfig" };
        var execArg = new Option<string[]>("--exec-arg") { Description = "New arguments for the exec credential plugin command (comma separated, repeatable)" };
        var execEnv = new Option<string[]>("--exec-env") { Description = "'key=value' environment values for the exec credential plugin (key- removes)" };
        var execMode = new Option<string?>("--exec-interactive-mode") { Description = "InteractiveMode of the exec credentials plugin: Never, IfAvailable or Always" };
        var execInfo = new Option<bool>("--exec-provide-cluster-info") { Description = "ProvideClusterInfo of the exec credentials plugin" };
        var command = new Command("set-credentials", "Set a user entry in kubeconfig.")
        {
            name, cert, key, embed, token, username, password, authProvider, authProviderArg, execCommand, execApi, execArg, execEnv, execMode, execInfo,
        };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => e.SetCredentialsAsync(r.GetValue(name)!, new KubeconfigCredentialSettings
        {
            ClientCertificate = Value(r, cert),
            ClientKey = Value(r, key),
            EmbedCerts = r.GetValue(embed),
            Token = Value(r, token),
            Username = Value(r, username),
            Password = Value(r, password),
            AuthProvider = Value(r, authProvider),
            AuthProviderArgs = r.GetValue(authProviderArg)?.SelectMany(a => a.Split(',')).ToArray(),
            ExecCommand = Value(r, execCommand),
            ExecApiVersion = Value(r, execApi),
            ExecArgs = r.GetValue(execArg)?.SelectMany(a => a.Split(',')).ToArray(),
            ExecEnv = r.GetValue(execEnv),
            ExecInteractiveMode = Value(r, execMode),
            ExecProvideClusterInfo = Given(r, execInfo) ? r.GetValue(execInfo) : null,
        }, Files(r), ct)));
        return command;
    }

    private static Command SetContext()
    {
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne };
        var current = new Option<bool>("--current") { Description = "Modify the current context" };
        var cluster = new Option<string?>("--cluster") { Description = "cluster for the context entry in kubeconfig" };
        var user = new Option<string?>("--user") { Description = "user for the context entry in kubeconfig" };
        var ns = CliConnection.Namespace; // kubectl's set-context --namespace is the global flag too
        var command = new Command("set-context", "Set a context entry in kubeconfig.") { name, current, cluster, user };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var n = r.GetValue(name);
            if (n is null && !r.GetValue(current))
            {
                await Console.Error.WriteLineAsync("error: you must specify a non-empty context name or --current");
                return 1;
            }

            return await EditAsync(e => e.SetContextAsync(n, new KubeconfigContextSettings { Cluster = Value(r, cluster), User = Value(r, user), Namespace = Value(r, ns) }, Files(r), ct));
        });
        return command;
    }

    private static Command Set()
    {
        var property = new Argument<string>("property-name");
        var value = new Argument<string>("property-value");
        var rawBytes = new Option<bool>("--set-raw-bytes") { Description = "When writing a []byte PROPERTY_VALUE, write the given string directly without base64 decoding." };
        var command = new Command("set", "Set an individual value in a kubeconfig file.") { property, value, rawBytes };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => e.SetAsync(r.GetValue(property)!, r.GetValue(value)!, r.GetValue(rawBytes), Files(r), ct)));
        return command;
    }

    private static Command Unset()
    {
        var property = new Argument<string>("property-name");
        var command = new Command("unset", "Unset an individual value in a kubeconfig file.") { property };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => e.UnsetAsync(r.GetValue(property)!, Files(r), ct)));
        return command;
    }

    private static Command Delete(string verb, string description, Func<IKubeconfigEditor, string, KubeconfigLoadingOptions, CancellationToken, Task<KubeconfigEditResult>> delete)
    {
        var name = new Argument<string>("name");
        var command = new Command(verb, description) { name };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => delete(e, r.GetValue(name)!, Files(r), ct)));
        return command;
    }

    private static Command RenameContext()
    {
        var oldName = new Argument<string>("context-name");
        var newName = new Argument<string>("new-name");
        var command = new Command("rename-context", "Rename a context from the kubeconfig file.") { oldName, newName };
        command.SetAction(async (ParseResult r, CancellationToken ct) => await EditAsync(e => e.RenameContextAsync(r.GetValue(oldName)!, r.GetValue(newName)!, Files(r), ct)));
        return command;
    }
}
