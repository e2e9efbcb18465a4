using System.CommandLine;
using System.Globalization;
using System.Text;
using Kube.Access.Images;

namespace Kube.Access.Cli.Commands;

/// <summary>
/// <c>kube-access images</c>: the guide's "List All Container Images Running in a Cluster", paged and in
/// bounded memory. <c>--count</c> is <c>jsonpath | tr | sort | uniq -c</c>, <c>--by-pod</c> the guide's
/// per-pod range listing, <c>-o jsonpath=...</c> kubectl's jsonpath output.
/// </summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "List pods in all namespaces." };
        var ns = CliConnection.Namespace;
        var selector = new Option<string?>("--selector", "-l") { Description = "Label selector, e.g. app=nginx." };
        var fieldSelector = new Option<string?>("--field-selector") { Description = "Field selector, e.g. status.phase=Running." };
        var count = new Option<bool>("--count") { Description = "Count containers per image (like `| sort | uniq -c`)." };
        var byPod = new Option<bool>("--by-pod") { Description = "One line per pod: NAME:<tab>IMAGE, IMAGE, (the guide's range listing)." };
        var allKinds = new Option<bool>("--all-kinds") { Description = "Include init and ephemeral containers (default: spec.containers only, like the guide)." };
        var output = new Option<string?>("--output", "-o") { Description = "jsonpath=TEMPLATE: print kubectl's jsonpath output for the pod list." };
        var chunk = new Option<int>("--chunk-size") { Description = "Pods per page (default 500, like kubectl).", DefaultValueFactory = _ => 500 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Do not report progress on stderr." };

        var command = new Command("images", "List the container images running in the cluster (all namespaces, a namespace, or a label selector).");
        foreach (var option in new Option[] { allNamespaces, selector, fieldSelector, count, byPod, allKinds, output, chunk, quiet })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                JsonPathTemplate? template = null;
                if (r.GetValue(output) is { } format)
                {
                    template = ParseOutput(format);
                }

                await using var connection = await CliConnection.CreateAsync(r, ct);
                var query = new ImageQuery
                {
                    Namespace = r.GetValue(allNamespaces) ? null : r.GetValue(ns) ?? connection.Namespace,
                    LabelSelector = r.GetValue(selector),
                    FieldSelector = r.GetValue(fieldSelector),
                    Kinds = r.GetValue(allKinds) ? ContainerKinds.All : ContainerKinds.Regular,
                    PageSize = r.GetValue(chunk),
                };
                var inventory = new ImageInventory(connection);
                IProgress<InventoryProgress>? progress = r.GetValue(quiet) || Console.IsErrorRedirected ? null : new StderrProgress();
                var stdout = Console.OpenStandardOutput();
                if (template is not null)
                {
                    await inventory.WriteJsonPathAsync(query, template, stdout, progress, ct);
                    await stdout.FlushAsync(ct);
                    (progress as StderrProgress)?.Done();
                    return 0;
                }

                var writer = new StreamWriter(stdout, new UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
                await using (writer)
                {
                    if (r.GetValue(count))
                    {
                        foreach (var line in await inventory.CountAsync(query, progress, ct))
                        {
                            // GNU uniq -c: the count right-aligned in 7 columns, a space, the line.
                            await writer.WriteLineAsync(line.Count.ToString(CultureInfo.InvariantCulture).PadLeft(7) + " " + line.Image);
                        }
                    }
                    else if (r.GetValue(byPod))
                    {
                        await foreach (var pod in inventory.ByPodAsync(query, progress, ct))
                        {
                            var sb = new StringBuilder(pod.Pod).Append(":\t");
                            foreach (var c in pod.Containers)
                            {
                                sb.Append(c.Image).Append(", ");
                            }

                            await writer.WriteLineAsync(sb.ToString());
                        }
                    }
                    else
                    {
                        await writer.WriteLineAsync("NAMESPACE\tPOD\tCONTAINER\tKIND\tIMAGE\tIMAGE ID");
                        await foreach (var c in inventory.ListAsync(query, progress, ct))
                        {
                            await writer.WriteLineAsync($"{c.Namespace}\t{c.Pod}\t{c.Container}\t{c.Kind.ToString().ToLowerInvariant()}\t{c.Image}\t{c.ImageId ?? "<none>"}");
                        }
                    }
                }

                (progress as StderrProgress)?.Done();
                return 0;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }

    /// <summary>Accepts kubectl's <c>jsonpath=TEMPLATE</c> (and <c>jsonpath='TEMPLATE'</c>).</summary>
    internal static JsonPathTemplate ParseOutput(string format)
    {
        const string prefix = "jsonpath=";
        if (!format.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new KubeAccessException($"unable to match a printer suitable for the output format \"{format}\"; kube-access images supports jsonpath=TEMPLATE");
        }

        string text = format[prefix.Length..];
        if (text.Length == 0)
        {
            throw new KubeAccessException("template format specified but no template given");
        }

        return JsonPathTemplate.Parse(text);
    }

    private sealed class StderrProgress : IProgress<InventoryProgress>
    {
        private bool _shown;

        public void Report(InventoryProgress value)
        {
            _shown = true;
            string remaining = value.RemainingItemCount is { } n ? $", ~{n} to go" : string.Empty;
            string restarts = value.Restarts > 0 ? $", {value.Restarts} restart(s)" : string.Empty;
            Console.Error.Write($"\r{value.Pages} page(s), {value.Pods} pod(s){remaining}{restarts}   ");
        }

        public void Done()
        {
            if (_shown)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
