namespace Kube.Access.IntegrationTests.Emulator;

/// <summary>Manifests from the "Access Applications in a Cluster" guide.</summary>
public static class GuideManifests
{
    /// <summary>service/access/hello-application.yaml.</summary>
    public const string HelloApplication = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: hello-world
        spec:
          selector:
            matchLabels:
              run: load-balancer-example
          replicas: 2
          template:
            metadata:
              labels:
                run: load-balancer-example
            spec:
              containers:
                - name: hello-world
                  image: gcr.io/google-samples/node-hello:1.0
                  ports:
                    - containerPort: 8080
                      protocol: TCP
        """;
}
