namespace Kube.Access.Images.Tests.JsonPath;

/// <summary>Realistic documents for the JSONPath corpus (IPs from documentation ranges only).</summary>
public static class Documents
{
    public const string Pod = """
    {"apiVersion":"v1","kind":"Pod",
     "metadata":{"name":"nginx-7c5ddbdf54-x8f9q","namespace":"default","uid":"3f1c2a4e-0b1d-4c55-9f1e-2a7b6c8d9e01",
       "labels":{"app":"nginx","pod-template-hash":"7c5ddbdf54","tier":"frontend","app.kubernetes.io/name":"web"},
       "annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z","example.com/html":"<b>&amp;</b>",
         "note":"line1\nline2\ttab \"q\" \\ é ☃ 😀 \u2028","empty":""},
       "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"nginx-7c5ddbdf54","uid":"aa11","controller":true,"blockOwnerDeletion":true}],
       "creationTimestamp":"2024-05-01T10:00:00Z","generation":1},
     "spec":{
       "initContainers":[{"name":"init-myservice","image":"busybox:1.28","command":["sh","-c","until nslookup myservice; do sleep 2; done"]}],
       "containers":[
         {"name":"nginx","image":"nginx:1.25.3","imagePullPolicy":"IfNotPresent",
          "ports":[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":443,"protocol":"TCP","name":"https"}],
          "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m","memory":"64Mi"}},
          "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"EMPTY","value":""}],
          "readinessProbe":{"httpGet":{"path":"/","port":80},"initialDelaySeconds":5,"periodSeconds":10}},
         {"name":"sidecar","image":"registry.k8s.io/busybox:1.36","args":["sleep","3600"],"ports":[]}],
       "ephemeralContainers":[{"name":"debugger","image":"busybox:1.36","stdin":true,"tty":true,"targetContainerName":"nginx"}],
       "nodeName":"worker-1","restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
       "priority":0,"enableServiceLinks":true,"hostNetwork":false,"nodeSelector":null,
       "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
                      {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
       "volumes":[{"name":"kube-api-access","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}]},
     "status":{"phase":"Running","podIP":"198.51.100.5","podIPs":[{"ip":"198.51.100.5"}],"hostIP":"192.0.2.11","qosClass":"Burstable",
       "startTime":"2024-05-01T10:00:01Z",
       "conditions":[{"type":"Initialized","status":"True","lastTransitionTime":"2024-05-01T10:00:03Z"},
                     {"type":"Ready","status":"True","lastTransitionTime":"2024-05-01T10:00:09Z"},
                     {"type":"ContainersReady","status":"True","lastTransitionTime":"2024-05-01T10:00:09Z"},
                     {"type":"PodScheduled","status":"True","lastTransitionTime":"2024-05-01T10:00:00Z"}],
       "initContainerStatuses":[{"name":"init-myservice","image":"docker.io/library/busybox:1.28","imageID":"docker.io/library/busybox@sha256:141c253bc4c3fd0a201d32dc1f493bcf3fff003b6df416dea4f41046e0f37d47","ready":true,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
       "containerStatuses":[
         {"name":"nginx","image":"docker.io/library/nginx:1.25.3","imageID":"docker.io/library/nginx@sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac","ready":true,"restartCount":2,"started":true,
          "state":{"running":{"startedAt":"2024-05-01T10:00:05Z"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}},
         {"name":"sidecar","image":"registry.k8s.io/busybox:1.36","imageID":"","ready":false,"restartCount":0,"started":false,"state":{"waiting":{"reason":"ContainerCreating"}},"lastState":{}}],
       "metrics":{"ratio":0.25,"big":1e21,"bigger":1234567.5,"million":1000000.0,"small":1e-7,"tiny":0.0001,"neg":-0.5,"e3":1e3,"huge":12345678901234567890,"zero":0,"negInt":-42,"t":true,"f":false,"n":null}}}
    """;

    public const string Service = """
    {"apiVersion":"v1","kind":"Service",
     "metadata":{"name":"frontend","namespace":"shop","labels":{"app":"guestbook","tier":"frontend"},"annotations":{"service.beta.kubernetes.io/aws-load-balancer-type":"nlb"}},
     "spec":{"type":"LoadBalancer","selector":{"app":"guestbook","tier":"frontend"},"clusterIP":"198.51.100.20","clusterIPs":["198.51.100.20"],
       "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
       "ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP","nodePort":31080},{"name":"metrics","port":9090,"targetPort":"metrics","protocol":"TCP","nodePort":31090}]},
     "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10","ipMode":"VIP"},{"hostname":"lb.example.test"}]}}}
    """;

    public const string Node = """
    {"apiVersion":"v1","kind":"Node",
     "metadata":{"name":"worker-1","labels":{"kubernetes.io/hostname":"worker-1","kubernetes.io/os":"linux","node-role.kubernetes.io/worker":"","topology.kubernetes.io/zone":"zone-a"}},
     "spec":{"podCIDR":"198.51.100.0/24","podCIDRs":["198.51.100.0/24"],"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]},
     "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.11"},{"type":"ExternalIP","address":"203.0.113.11"},{"type":"Hostname","address":"worker-1"}],
       "capacity":{"cpu":"4","memory":"16283848Ki","pods":"110","ephemeral-storage":"102400Mi"},
       "allocatable":{"cpu":"3800m","memory":"15000000Ki","pods":"110"},
       "conditions":[{"type":"MemoryPressure","status":"False"},{"type":"DiskPressure","status":"False"},{"type":"PIDPressure","status":"False"},{"type":"Ready","status":"True","reason":"KubeletReady"}],
       "images":[{"names":["docker.io/library/nginx@sha256:4c0f","docker.io/library/nginx:1.25.3"],"sizeBytes":70520456},
                 {"names":["registry.k8s.io/pause:3.9"],"sizeBytes":321520},
                 {"names":["docker.io/library/busybox:1.28"],"sizeBytes":727869}],
       "nodeInfo":{"architecture":"amd64","containerRuntimeVersion":"containerd://1.7.13","kernelVersion":"6.1.0","kubeletVersion":"v1.32.4","osImage":"Debian GNU/Linux 12 (bookworm)","operatingSystem":"linux"},
       "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}
    """;

    public const string PodList = """
    {"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"12345"},"items":[
     {"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx-1","namespace":"default","labels":{"app":"nginx"}},
      "spec":{"containers":[{"name":"nginx","image":"nginx:1.14.2","ports":[{"containerPort":80}]}]},
      "status":{"phase":"Running","podIP":"198.51.100.7","containerStatuses":[{"name":"nginx","image":"nginx:1.14.2","imageID":"docker.io/library/nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d","restartCount":0,"ready":true}]}},
     {"apiVersion":"v1","kind":"Pod","metadata":{"name":"coredns-5d78c9869d-abcde","namespace":"kube-system","labels":{"k8s-app":"kube-dns"}},
      "spec":{"containers":[{"name":"coredns","image":"registry.k8s.io/coredns/coredns:v1.10.1","ports":[{"containerPort":53,"protocol":"UDP","name":"dns"},{"containerPort":53,"protocol":"TCP","name":"dns-tcp"}]}]},
      "status":{"phase":"Running","containerStatuses":[{"name":"coredns","image":"registry.k8s.io/coredns/coredns:v1.10.1","imageID":"registry.k8s.io/coredns/coredns@sha256:a0ead06651cf580044aeb0a0feba63591858fb2e43ade8c9dea45a6a89ae7e5e","restartCount":1,"ready":true}]}},
     {"apiVersion":"v1","kind":"Pod","metadata":{"name":"batch-job-xyz","namespace":"jobs"},
      "spec":{"initContainers":[{"name":"fetch","image":"busybox:1.36"}],"containers":[{"name":"work","image":"python:3.12-slim"},{"name":"log","image":"busybox:1.36"}]},
      "status":{"phase":"Succeeded"}}]}
    """;

    public const string List = """
    {"apiVersion":"v1","kind":"List","metadata":{},"items":[
     {"apiVersion":"v1","kind":"Pod","metadata":{"name":"mongo-0","namespace":"db","labels":{"app":"mongo"}},
      "spec":{"containers":[{"name":"mongo","image":"mongo:7.0","ports":[{"containerPort":27017,"name":"mongodb"}]}]}},
     {"apiVersion":"v1","kind":"Service","metadata":{"name":"mongo","namespace":"db"},
      "spec":{"selector":{"app":"mongo"},"ports":[{"port":27017,"targetPort":27017,"protocol":"TCP"}]}},
     {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"db"},"data":{"mode":"replica","size":"3"}}]}
    """;

    public static string Get(string name) => name switch
    {
        "pod" => Pod,
        "service" => Service,
        "node" => Node,
        "podlist" => PodList,
        "list" => List,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown document"),
    };
}
