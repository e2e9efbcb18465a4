namespace Kube.Access.Images.Tests.JsonPath;

/// <summary>
/// Templates compared with kubectl. <c>Unordered</c> marks templates whose output order depends on Go's
/// random map iteration (<c>*</c> over a map, <c>..</c>): those are compared as sorted token multisets.
/// </summary>
public static class Corpus
{
    public sealed record Case(string Document, string Template, bool Unordered = false);

    public static IReadOnlyList<Case> All { get; } = Build();

    private static List<Case> Build()
    {
        var c = new List<Case>();
        void P(params string[] templates) { foreach (var t in templates) c.Add(new Case("pod", t)); }
        void PU(params string[] templates) { foreach (var t in templates) c.Add(new Case("pod", t, true)); }
        void D(string doc, params string[] templates) { foreach (var t in templates) c.Add(new Case(doc, t)); }
        void DU(string doc, params string[] templates) { foreach (var t in templates) c.Add(new Case(doc, t, true)); }

        // Fields, text, literals.
        P("{.metadata.name}", "{.kind}", "{.apiVersion}/{.kind}", "name: {.metadata.name}\n", "plain text only",
          "{.metadata.namespace}/{.metadata.name}", "{$.metadata.name}", "{@.metadata.name}", "{ .metadata.name }",
          "{.metadata.labels.app}", "{.metadata.labels.tier}", "{.metadata.labels}", "{.metadata.annotations}",
          "{.metadata}", "{.spec.nodeName}", "{.status.phase}", "{.status.podIP}", "{.status.hostIP}",
          "{.metadata.missing}", "{.metadata.missing.deeper}", "{.nope}{.metadata.name}", "a{.x}b{.y}c",
          "{.}", "{.metadata.generation}", "{.spec.terminationGracePeriodSeconds}", "{.spec.enableServiceLinks}",
          "{.spec.hostNetwork}", "{.spec.nodeSelector}", "{.spec.priority}", "{.status.startTime}",
          """{"\n"}""", """{"\t"}""", """{.metadata.name}{"\n"}""", """{'single'}""", """{"a\"b"}""", """{"x\\y"}""",
          """{"\u00e9\x41\101"}""", """{"tab:\there"}""", """{"{"}{"}"}""", "{1}", "{-1}", "{+7}", "{1.5}", "{0.000001}",
          "{100000.5}", "{1234567.0}", "{true}", "{false}", "{true} {false}", "{.metadata.name 5}", "{.missing 5}",
          "{99999999999999999999}", "{007}", "{1.}", "text with } brace", "}{.kind}{");
        // Numbers in documents.
        P("{.status.metrics.ratio}", "{.status.metrics.big}", "{.status.metrics.bigger}", "{.status.metrics.million}",
          "{.status.metrics.small}", "{.status.metrics.tiny}", "{.status.metrics.neg}", "{.status.metrics.e3}",
          "{.status.metrics.huge}", "{.status.metrics.zero}", "{.status.metrics.negInt}", "{.status.metrics.t}",
          "{.status.metrics.f}", "{.status.metrics.n}", "{.status.metrics}", "{.status.containerStatuses[0].restartCount}");
        // Quoted keys and escaped dots.
        P("{.metadata.labels['app']}", "{.metadata.labels['pod-template-hash']}", "{.metadata.labels['app.kubernetes.io/name']}",
          @"{.metadata.labels.app\.kubernetes\.io/name}", @"{.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}",
          "{.metadata.annotations['example.com/html']}", "{.metadata.annotations.note}", "{.metadata.annotations['empty']}",
          "{['metadata']['name']}", "{.metadata['labels']['tier']}", "{.metadata.labels['missing']}", "{['kind']}",
          "{.metadata['']}", "{.metadata.annotations['kubectl.kubernetes.io/restartedAt']}");
        // Indexes, slices, negative indexes.
        P("{.spec.containers[0].name}", "{.spec.containers[1].name}", "{.spec.containers[-1].name}", "{.spec.containers[-2].name}",
          "{.spec.containers[*].name}", "{.spec.containers[*].image}", "{.spec.containers[0:1].name}", "{.spec.containers[0:2].name}",
          "{.spec.containers[1:].name}", "{.spec.containers[:1].name}", "{.spec.containers[:].name}", "{.spec.containers[::1].name}",
          "{.spec.containers[0:2:2].name}", "{.spec.containers[-2:].name}", "{.spec.containers[:-1].name}", "{.spec.containers[2:].name}",
          "{.spec.containers[0:0].name}", "{.spec.containers[1:1].name}", "{.spec.containers[0].ports[*].containerPort}",
          "{.spec.containers[*].ports[*].containerPort}", "{.spec.containers[*].ports[*].name}", "{.spec.containers[0].ports[-1].name}",
          "{.spec.containers[0].ports}", "{.spec.containers[1].ports}", "{.spec.containers[1].args}", "{.spec.containers[1].args[0]}",
          "{.spec.initContainers[0].command[2]}", "{.spec.initContainers[*].image}", "{.spec.ephemeralContainers[*].image}",
          "{.status.containerStatuses[*].imageID}", "{.status.initContainerStatuses[0].imageID}", "{.status.conditions[*].type}",
          "{.status.conditions[-1:].type}", "{.status.conditions[1:3].type}", "{.status.conditions[0:4:3].type}",
          "{.status.podIPs[0].ip}", "{.spec.containers[0]}", "{.spec.tolerations[*].tolerationSeconds}", "{.spec.containers[]}",
          "{.spec.missing[0]}", "{.spec.missing[*].name}", "{.spec.containers[*].missing}", "{.status.containerStatuses[*].lastState}",
          "{.spec.containers[0].env[*].value}", "{.spec.containers[0].env[2].value}|", "{.spec.volumes[0].projected.sources[0].serviceAccountToken.path}",
          "{.spec.containers[0].resources.limits.memory}", "{.spec.containers[0].resources}", "{.spec.containers[0].readinessProbe.httpGet.port}");
        // Unions.
        P("{.metadata.name,.kind}", "{.metadata['name','namespace']}", "{.spec.containers[0,1].name}", "{.spec.containers[1,0].image}",
          "{.spec.containers[0].ports[0,1].containerPort}", "{.metadata.labels['app','tier']}", "{.spec.containers[-1,0].name}",
          "{.spec.containers[0, 1].name}", "{.metadata['name', 'missing']}", "{.spec.containers[0:1,1:2].name}",
          "{.status.conditions[0,3].type}", "{.spec.containers[*]['name','image']}");
        // Filters.
        P("""{.spec.containers[?(@.name=="nginx")].image}""", """{.spec.containers[?(@.name == "sidecar")].image}""",
          """{.spec.containers[?(@.name!="nginx")].name}""", """{.status.conditions[?(@.type=="Ready")].status}""",
          """{.status.conditions[?(@.type=='Ready')].status}""", """{.spec.containers[?(@.image)].name}""",
          """{.spec.containers[?(@.args)].name}""", """{.spec.containers[?(@.missing)].name}""",
          """{.spec.containers[0].ports[?(@.containerPort==80)].name}""", """{.spec.containers[0].ports[?(@.containerPort>80)].name}""",
          """{.spec.containers[0].ports[?(@.containerPort<443)].name}""", """{.spec.containers[0].ports[?(@.containerPort>=80)].name}""",
          """{.spec.containers[0].ports[?(@.containerPort<=80)].name}""", """{.spec.containers[0].ports[?(@.containerPort!=80)].name}""",
          """{.status.containerStatuses[?(@.restartCount>0)].name}""", """{.status.containerStatuses[?(@.ready==true)].name}""",
          """{.status.containerStatuses[?(@.ready==false)].name}""", """{.status.containerStatuses[?(@.started!=true)].name}""",
          """{.spec.containers[?(@.name>"o")].name}""", """{.spec.containers[?(@.name<"o")].name}""",
          """{.spec.containers[?(@.name=="none")].name}""", """{.spec.containers[?(@.name==@.name)].name}""",
          """{.spec.containers[?(@.name)].ports[*].containerPort}""", """{.spec.tolerations[?(@.tolerationSeconds==300)].key}""",
          """{.spec.containers[?(@.readinessProbe.httpGet.port==80)].name}""", """{.spec.containers[0].env[?(@.value)].name}""",
          """{.spec.containers[0].env[?(@.valueFrom)].name}""", """{.spec.containers[0].env[?(@.value=="")].name}""",
          """{.status.containerStatuses[?(@.imageID=="")].name}""", """{.spec.containers[?(@.ports[0].containerPort==80)].name}""",
          """{.spec.containers[?(@.name=="nginx")].ports[?(@.name=="https")].containerPort}""",
          """{.spec.containers[?(@.name=="a\"b")].name}""", """{.spec.containers[?(@)].name}""",
          """{.status.conditions[?(@.status=="True")].type}""", """{.status.conditions[?(@.type>="P")].type}""",
          """{.spec.containers[0].ports[?(@.containerPort==80.0)].name}""", """{.spec.containers[?(@.name=="nginx")]}""");
        // Wildcards and recursive descent.
        PU("{.metadata.labels.*}", "{.metadata.*}", "{.spec.containers[0].resources.*}", "{.spec.containers[0].resources.limits.*}",
           "{..image}", "{..name}", "{..containerPort}", "{..imageID}", "{.spec..image}", "{.status..restartCount}", "{..['image']}",
           "{..ports[*].name}", "{...image}", "{.spec.containers[0].ports[0].*}", "{.spec.containers[*].*}", "{..type}", "{.status.metrics.*}", "{..}");
        P("{.spec.containers[*].ports[*]}", "{.metadata.name.*}", "{.kind.*}", "{.spec.containers.*.name}", "{.*.name}",
          "{.status.podIPs.*.ip}", "{.spec.initContainers[*].command.*}");
        // Range / end.
        P("""{range .spec.containers[*]}{.name}{"\n"}{end}""", """{range .spec.containers[*]}{.name}={.image};{end}""",
          """{range .spec.containers[*]}[{.name}]{end}after""", """{range .status.containerStatuses[*]}{.name}{"\t"}{.imageID}{"\n"}{end}""",
          """{range .spec.containers[*]}{range .ports[*]}{.containerPort},{end}|{end}""", """{range .missing[*]}{.name}{end}done""",
          """{range .spec.containers[*]}{.name}""", """{range .spec.containers[*]}{.name}{end}{.kind}""",
          """{range .spec.containers[*].ports[*]}{.name}:{.containerPort} {end}""", """{range .status.conditions[?(@.status=="True")]}{.type} {end}""",
          """{range .spec.containers[*]}{@.name}{end}""", """{range .spec.nodeSelector}x{@}{end}""", """{range .status.metrics.n}{@}{end}""",
          """{range .spec.containers[0]}{.name}{end}""", """{range .spec.containers[*]}{.name}{range .missing[*]}{.x}{end}.{end}""",
          """{range .spec.containers[*]}{range .args[*]}<{@}>{end}{end}""", """{range .spec.initContainers[*]}{.name}{"\n"}{end}{range .spec.containers[*]}{.name}{"\n"}{end}""",
          """{.spec.containers[*].name range}{.image}{end}""", """{range}{.kind}{end}""", """{range .metadata.labels}{@}{end}""",
          """{range .spec.containers[*]}{end}""", """{range .spec.containers[*]}{.name}{end}{end}""");
        // Errors: both must fail.
        P("{", "{.metadata.name", "{.spec.containers[0}", "{.spec.containers[x]}", "{.spec.containers[0]", """{.spec.containers[?(@.name=="nginx"]}""",
          "{.spec.containers[?(@.name==\"nginx\")}", "{..*}", "{....name}", "{.metadata.name\n}", """{"unterminated}""",
          """{"bad\q"}""", "{foo}", "{end}", "{.metadata.name}{end}", "{.spec.containers[5].name}", "{.spec.containers[-3].name}",
          "{.spec.containers[2:1].name}", "{.spec.containers[0:2:0].name}", "{.spec.containers[0:2:-1].name}", "{.metadata[0]}",
          "{.metadata.name[0]}", "{.status.metrics.ratio[0]}", "{.spec.containers[0].ports[?(@.containerPort==\"80\")].name}",
          """{.spec.containers[?(@.name==1)].name}""", """{.spec.containers[?(@.ports[*].containerPort==80)].name}""",
          """{.metadata[?(@.name)]}""", """{.status.containerStatuses[?(@.ready<true)].name}""", """{.spec.containers[?(@.name=~"n")].name}""",
          """{.spec.containers[?(@.name="nginx")].name}""", "{.spec.containers[-]}", "{.spec.containers[1:-]}", "{#}", "{.a}{*}",
          "{.spec.containers[*].name)}", "{'a' 'b'}", "{1.2.3}", "{+}", "{.metadata.name ,}", "{range .spec.containers[*]}{.ports[5]}{end}",
          "{.spec.containers[99999999999999999999]}", """{"\ud800"}""", "{\t.kind}", "{.spec.containers[?(@.name==\"x\")]x}",
          "{.status.metrics.n[0]}", "{[?(@)]}", """{.status.conditions[?(@.lastTransitionTime<1)].type}""", "{range .spec.containers[*]}{foo}{end}");
        // Other documents.
        D("service", "{.spec.type}", "{.spec.clusterIP}", "{.spec.ports[*].port}", "{.spec.ports[*].targetPort}", "{.spec.ports[?(@.name==\"http\")].nodePort}",
          "{.status.loadBalancer.ingress[0].ip}", "{.status.loadBalancer.ingress[*].hostname}", "{.status.loadBalancer.ingress}",
          "{.spec.selector}", "{.spec.ports[?(@.targetPort==8080)].name}", """{range .spec.ports[*]}{.name}:{.port}->{.targetPort}{"\n"}{end}""",
          "{.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-type']}", "{.spec.ports[?(@.targetPort==\"metrics\")].port}",
          "{.spec.clusterIPs[0]}", "{.spec.ipFamilies}");
        D("node", "{.status.addresses[?(@.type==\"InternalIP\")].address}", "{.status.addresses[?(@.type==\"ExternalIP\")].address}",
          "{.status.capacity.cpu}", "{.status.allocatable}", "{.status.nodeInfo.kubeletVersion}", "{.status.images[*].names[0]}",
          "{.status.images[*].sizeBytes}", "{.status.images[?(@.sizeBytes>1000000)].names[-1]}", "{.spec.taints[*].key}",
          "{.metadata.labels['node-role.kubernetes.io/worker']}|", "{.status.conditions[?(@.type==\"Ready\")].reason}",
          """{range .status.images[*]}{.names[0]} {.sizeBytes}{"\n"}{end}""", "{.status.daemonEndpoints.kubeletEndpoint.Port}",
          "{.status.capacity['ephemeral-storage']}", "{.spec.podCIDRs}");
        DU("node", "{.status.capacity.*}", "{..address}");
        D("podlist", "{.metadata.name} ", "{.spec.containers[*].image} ", """{range .spec.containers[*]}{.image}{"\n"}{end}""",
          "{.metadata.namespace}/{.metadata.name}\n", "{.status.containerStatuses[*].imageID}|", "{.spec.initContainers[*].image}|",
          """{.metadata.labels.app}{"\n"}""", "{.items[*].metadata.name}", "{.kind}", "{.spec.containers[0].ports[*].containerPort};",
          """{range .spec.containers[*]}{.name}{","}{end}{"\n"}""", "{.spec.containers[?(@.image==\"busybox:1.36\")].name};",
          "{.status.phase}\n", "{.spec.containers[5].name}", "{.spec.containers[1].name}.");
        D("list", "{.kind}/{.metadata.name} ", "{.spec.containers[*].image}", "{.spec.ports[*].port}", "{.data.mode}",
          "{.metadata.labels}", """{range .spec.containers[*]}{.name}{end};""", "{.spec.selector.app}", "{.data}");
        return c;
    }
}
