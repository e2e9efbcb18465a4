using Xunit;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck.Xunit;
using Kube.Access.Deploy;
using Kube.Access.Images;
using Kube.Access.Kubeconfig;
using Kube.Access.Manifests;
using Kube.Access.Proxy;

namespace Kube.Access.FuzzTests;

/// <summary>
/// Every parser, fed mutated input: only our typed exceptions, within the time and memory bounds of <see cref="Bounded"/>.
/// Each property gets an FsCheck-generated case number (fixed by Replay) that seeds the mutations; the case counts keep
/// the whole project well under a minute.
/// </summary>
public sealed class ParserProperties
{
    private const string Replay = "20250619,1000003";
    private const int Cases = 150;

    internal const string ManifestYaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: hello
          labels: &labels {app: hello, tier: web}
        spec:
          replicas: 2
          selector: {matchLabels: *labels}
          template:
            metadata: {labels: *labels}
            spec:
              containers:
              - &c {name: web, image: "nginx:1.27", ports: [{containerPort: 80}], env: [{name: A, value: "x: y"}]}
              - <<: *c
                name: side
        ---
        apiVersion: v1
        kind: List
        items:
        - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: |
            multi
            line}}
        """;

    internal const string ManifestJson = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"a":"b"}},
         "spec":{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"hello"}}}
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v\u0000"}}
        """;

    private static readonly string[] Templates =
    [
        "{.items[*].metadata.name}", "{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}", "{..name}",
        "{.items[?(@.metadata.name==\"a\")].spec}", "{.a['b.c'][1:3:2]}", "{.items[-1:]}", "{$}",
    ];

    private const string Document = """
        {"items":[{"metadata":{"name":"a","labels":{"x":"1"}},"spec":{"containers":[{"image":"i:1"}]}},
                  {"metadata":{"name":"b"},"spec":{"containers":[]}}],"a":{"b.c":[1,2.5,"x",null,true,[[[]]]]}}
        """;

    private const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
        users:
        - name: u
          user: {token: abc}
        contexts:
        - name: x
          context: {cluster: c, user: u, namespace: default}
        current-context: x
        extensions:
        - name: e
          extension: &e {a: [1, 2, {b: c}]}
        """;

    [Property(MaxTest = Cases, Replay = Replay)]
    public void ManifestParser_reads_mutated_yaml_with_typed_errors_only(int @case)
    {
        var text = Mutators.Mutate(ManifestYaml, new Random(@case), json: false);
        Bounded.Run(() => ManifestParser.Parse(text, "fuzz.yaml"), text);
    }

    [Property(MaxTest = Cases, Replay = Replay)]
    public void ManifestParser_reads_mutated_json_with_typed_errors_only(int @case)
    {
        var text = Mutators.Mutate(ManifestJson, new Random(@case), json: true);
        Bounded.Run(() => ManifestParser.Parse(text, "fuzz.json"), text);
    }

    [Property(MaxTest = Cases, Replay = Replay)]
    public void JsonPath_parses_mutated_templates_with_typed_errors_only(int @case)
    {
        var random = new Random(@case);
        var template = Mutators.Mutate(Templates[random.Next(Templates.Length)], random, json: true);
        using var document = JsonDocument.Parse(Document);
        Bounded.Run(() => JsonPathTemplate.Parse(template).Evaluate(document.RootElement), template);
    }

    [Property(MaxTest = Cases, Replay = Replay)]
    public void JsonPath_evaluates_mutated_documents_with_typed_errors_only(int @case)
    {
        var random = new Random(@case);
        var template = JsonPathTemplate.Parse(Templates[random.Next(Templates.Length)]);
        var text = Mutators.Mutate(Document, random, json: true);
        JsonDocument document;
        JsonNode? node;
        try
        {
            // The caller parses the input (here as permissively as System.Text.Json allows); only evaluation is ours.
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 100_000 });
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 100_000 });
        }
        catch (JsonException)
        {
            return;
        }
        using (document)
        {
            Bounded.Run(() => template.Evaluate(document.RootElement), text);
            Bounded.Run(() => template.Evaluate(node), text);
        }
    }

    [Property(MaxTest = Cases, Replay = Replay)]
    public void ProxyUrl_parses_mutated_urls_with_typed_errors_only(int @case)
    {
        var random = new Random(@case);
        var seeds = new[]
        {
            "http://127.0.0.1:8001/api/v1/namespaces/default/services/https:web:8443/proxy/a/b?x=1",
            "/api/v1/namespaces/kube-system/pods/p:80/proxy/", "/api/v1/nodes/n1:10250/proxy/metrics",
        };
        var url = Mutators.Mutate(seeds[random.Next(seeds.Length)], random, json: true);
        Bounded.Run(() => ProxyUrl.Parse(url), url);
    }

    [Property(MaxTest = Cases, Replay = Replay)]
    public void Kubeconfig_loading_raises_typed_errors_only(int @case)
    {
        var text = Mutators.Mutate(Kubeconfig, new Random(@case), json: false);
        Bounded.Run(() => KubeconfigParser.Parse(text, "fuzz-kubeconfig"), text);
    }

    [Property(MaxTest = Cases, Replay = Replay)]
    public void Wizard_validates_mutated_specs_and_valid_ones_round_trip_through_the_manifest_parser(int @case)
    {
        var random = new Random(@case);
        string Text(string seed) => random.Next(3) == 0 ? Mutators.Mutate(seed, random, json: false) : seed;
        var spec = new AppDeploymentSpec
        {
            Name = Text("hello"),
            Image = Text("nginx:1.27"),
            Description = Text("a \"web\" app: #1\n\tsecond line é ✓"),
            Version = random.Next(2) == 0 ? null : Text("v1"),
            Namespace = Text("default"),
            Service = (AppServiceKind)random.Next(3),
            PortMappings = [new AppPortMapping(random.Next(0, 70000), random.Next(0, 70000), AppPortProtocol.Tcp)],
            Labels = [new AppLabel(Text("tier"), Text("web"))],
            Command = random.Next(2) == 0 ? null : [Text("/bin/sh"), Text("-c")],
            Arguments = random.Next(2) == 0 ? null : [Text("echo $(A) ok")],
            EnvironmentVariables = [new AppEnvironmentVariable(Text("A"), Text("x: y # z"))],
        };
        Bounded.Run(() =>
        {
            if (spec.Validate().Count > 0) return;
            var yaml = spec.BuildManifests().ToYaml();
            var documents = ManifestParser.Parse(yaml, "wizard.yaml");
            var deployment = documents.Single(d => d.Kind == "Deployment").Object;
            var description = deployment["metadata"]?["annotations"]?[AppDeploymentSpec.DescriptionAnnotation]?.GetValue<string>();
            if (!string.IsNullOrEmpty(spec.Description) && description != spec.Description)
                throw new InvalidOperationException($"the description did not survive the round trip: {description}");
        }, spec.ToString());
    }
}
