using Kube.Access.Kubeconfig;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapter 3 ("Configure access to multiple clusters"): the config-demo exercise, step by step,
/// through <see cref="IKubeconfigEditor"/> on a file of its own. The server addresses are documentation
/// addresses written into the file only; nothing dials them.
/// </summary>
internal sealed class MultiClusterChapter : ITourChapter
{
    public string Title => "Configure access to multiple clusters (kubectl config)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("kube-access-config-demo-").FullName;
        try
        {
            var files = new KubeconfigLoadingOptions { ExplicitPath = Path.Combine(directory, "config-demo") };
            var loader = new KubeconfigLoader();
            IKubeconfigEditor editor = new KubeconfigEditor(loader);

            context.Command("kubectl config --kubeconfig=config-demo set-cluster development --server=https://198.51.100.4 --certificate-authority=fake-ca-file");
            await editor.SetClusterAsync("development", new() { Server = "https://198.51.100.4", CertificateAuthority = "fake-ca-file" }, files, cancellationToken);
            context.Command("kubectl config --kubeconfig=config-demo set-cluster test --server=https://203.0.113.8 --insecure-skip-tls-verify");
            await editor.SetClusterAsync("test", new() { Server = "https://203.0.113.8", InsecureSkipTlsVerify = true }, files, cancellationToken);
            context.Command("kubectl config --kubeconfig=config-demo set-credentials developer --client-certificate=fake-cert-file --client-key=fake-key-seefile");
            await editor.SetCredentialsAsync("developer", new() { ClientCertificate = "fake-cert-file", ClientKey = "fake-key-seefile" }, files, cancellationToken);
            context.Command("kubectl config --kubeconfig=config-demo set-credentials experimenter --username=exp --password=some-password");
            await editor.SetCredentialsAsync("experimenter", new() { Username = "exp", Password = "some-password" }, files, cancellationToken);
            foreach (var (name, cluster, ns, user) in new[]
            {
                ("dev-frontend", "development", "frontend", "developer"),
                ("dev-storage", "development", "storage", "developer"),
                ("exp-test", "test", "default", "experimenter"),
            })
            {
                context.Command($"kubectl config --kubeconfig=config-demo set-context {name} --cluster={cluster} --namespace={ns} --user={user}");
                await editor.SetContextAsync(name, new() { Cluster = cluster, Namespace = ns, User = user }, files, cancellationToken);
            }

            context.Line();
            context.Command("kubectl config --kubeconfig=config-demo view");
            context.Output.Write(await KubeconfigView.RenderAsync(await loader.LoadAsync(files, cancellationToken), new KubeconfigViewOptions(), cancellationToken));
            context.Line();

            context.Command("kubectl config --kubeconfig=config-demo use-context dev-frontend");
            await editor.UseContextAsync("dev-frontend", files, cancellationToken);
            context.Line("Switched to context \"dev-frontend\".");
            context.Command("kubectl config --kubeconfig=config-demo view --minify");
            context.Output.Write(await KubeconfigView.RenderAsync(await loader.LoadAsync(files, cancellationToken), new KubeconfigViewOptions { Minify = true }, cancellationToken));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
