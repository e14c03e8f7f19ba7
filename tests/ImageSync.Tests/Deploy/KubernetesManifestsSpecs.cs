using ImageSync.Configuration;
using ImageSync.Nodes.Ssh.Keys;
using ImageSync.Tests.Support;
using k8s;
using k8s.Models;

namespace ImageSync.Tests.Deploy;

/// <summary>
/// deploy/kubernetes as the cluster would get it: rendered by <c>kubectl kustomize</c>, every object loaded
/// with KubernetesClient's typed (strict) YAML loader, and the config each pod reads loaded as image-sync would.
/// </summary>
public sealed class KubernetesManifestsSpecs : IDisposable
{
    private static readonly List<object> Daemon = Render("deploy/kubernetes");
    private static readonly List<object> CronJob = Render("deploy/kubernetes/cronjob");
    private static readonly V1StatefulSet Replicas = Daemon.OfType<V1StatefulSet>().Single();
    private static readonly V1PodSpec ReplicaPod = Replicas.Spec.Template.Spec;
    private static readonly V1PodSpec RunPod = CronJob.OfType<V1CronJob>().Single().Spec.JobTemplate.Spec.Template.Spec;

    /// <summary>cert-manager's objects, whose kinds KubernetesClient does not know: each as its fields by dotted path (a list joined by commas).</summary>
    private static readonly List<Dictionary<string, string>> CertManager = Flatten(Tool.Run("kubectl", Repository.Root, "kustomize", "deploy/kubernetes/cert-manager"));
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Should_run_three_daemon_replicas_each_listed_in_the_seed_nodes_as_the_others_reach_it_through_the_headless_service()
    {
        var service = Daemon.OfType<V1Service>().Single();

        Assert.Equal(3, Replicas.Spec.Replicas);
        Assert.Equal(["daemon", "--config", "/etc/image-sync/image-sync.conf"], ReplicaPod.Containers.Single().Args);
        Assert.Equal(service.Metadata.Name, Replicas.Spec.ServiceName);
        Assert.Equal("None", service.Spec.ClusterIP);
        Assert.True(service.Spec.PublishNotReadyAddresses, "a replica must be found before it is ready: it is ready once it found the others");
        foreach (var replica in Enumerable.Range(0, 3).Select(i => $"{Replicas.Metadata.Name}-{i}"))
        {
            var cluster = Settings(Daemon, ReplicaPod, replica).Cluster;
            Assert.True(cluster.Enabled);
            Assert.Equal($"akka.ssl.tcp://image-sync@{replica}.{service.Metadata.Name}:{cluster.Port}", cluster.SelfAddress);
            Assert.Contains(cluster.SelfAddress, cluster.Replicas);
            Assert.Equal(Replicas.Spec.Replicas, cluster.Replicas.Count);
        }
    }

    [Fact]
    public void Should_probe_liveness_and_readiness_on_the_port_the_daemon_serves_its_endpoint_on()
    {
        var container = ReplicaPod.Containers.Single();
        var metrics = Settings(Daemon, ReplicaPod, "image-sync-0").Daemon.Metrics;
        var port = container.Ports.Single(p => p.Name == container.LivenessProbe.HttpGet.Port.Value);

        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(container.LivenessProbe.HttpGet.Port.Value, container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal($"0.0.0.0:{port.ContainerPort}", metrics);
        Assert.Contains(container.Ports, p => p.ContainerPort == Settings(Daemon, ReplicaPod, "image-sync-0").Cluster.Port);
    }

    [Fact]
    public void Should_let_the_pods_service_account_list_and_watch_nodes_and_nothing_else()
    {
        var role = Daemon.OfType<V1ClusterRole>().Single();
        var binding = Daemon.OfType<V1ClusterRoleBinding>().Single();
        var account = Daemon.OfType<V1ServiceAccount>().Single();

        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["nodes"], rule.Resources);
        Assert.Equal(["list", "watch"], rule.Verbs);
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Equal((account.Metadata.Name, account.Metadata.NamespaceProperty), (binding.Subjects.Single().Name, binding.Subjects.Single().NamespaceProperty));
        Assert.All([ReplicaPod, RunPod], pod => Assert.Equal(account.Metadata.Name, pod.ServiceAccountName));
        Assert.All([Settings(Daemon, ReplicaPod, "image-sync-0"), Settings(CronJob, RunPod, "image-sync-run")],
            s => Assert.Equal((true, KubernetesSettings.InCluster), (s.NodesFromKubernetes.Enabled, s.NodesFromKubernetes.Kubeconfig)));
    }

    [Fact]
    public void Should_run_as_a_non_root_user_with_a_read_only_root_and_write_only_to_its_own_volumes()
    {
        foreach (var (objects, pod) in new[] { (Daemon, ReplicaPod), (CronJob, RunPod) })
        {
            var container = pod.Containers.Single();
            var settings = Settings(objects, pod, "image-sync-0");
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Equal(10001, pod.SecurityContext.RunAsUser);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
            var writable = container.VolumeMounts.Where(m => m.ReadOnlyProperty != true).Select(m => m.MountPath).ToList();
            Assert.False(settings.Logs.DayFiles, "a pod's log is its console");
            Assert.Equal([Path.GetDirectoryName(settings.LockFile)!], writable);
            Assert.NotNull(container.Resources.Requests);
            Assert.NotNull(container.Resources.Limits);
        }
    }

    [Fact]
    public void Should_mount_the_ssh_key_of_the_secret_so_that_the_pods_user_may_read_it_and_image_sync_accepts_it()
    {
        var secret = Daemon.OfType<V1Secret>().Single();
        foreach (var (objects, pod) in new[] { (Daemon, ReplicaPod), (CronJob, RunPod) })
        {
            var ssh = Settings(objects, pod, "image-sync-0").Ssh;
            var volume = pod.Volumes.Single(v => v.Secret?.SecretName == secret.Metadata.Name);
            var mount = pod.Containers.Single().VolumeMounts.Single(m => m.Name == volume.Name);
            Assert.Equal(mount.MountPath, Path.GetDirectoryName(ssh.KeyFile));
            Assert.Equal(mount.MountPath, Path.GetDirectoryName(ssh.KnownHostsFile));
            Assert.Contains(Path.GetFileName(ssh.KeyFile), secret.StringData.Keys);
            Assert.Contains(Path.GetFileName(ssh.KnownHostsFile), secret.StringData.Keys);
            // Secret files are root's, in the fsGroup: the pod's user reads them through the group.
            Assert.Equal(pod.SecurityContext.RunAsGroup, pod.SecurityContext.FsGroup);
            Assert.Null(PrivateKeys.TooOpen(ssh.KeyFile, (UnixFileMode)volume.Secret.DefaultMode!.Value, 0, (uint)pod.SecurityContext.RunAsUser!.Value));
        }
    }

    [Fact]
    public void Should_give_each_replica_the_clusters_tls_files_from_the_secret_cert_manager_writes()
    {
        var tls = Settings(Daemon, ReplicaPod, "image-sync-0").Cluster.Tls;
        var volume = ReplicaPod.Volumes.Single(v => v.Secret?.SecretName == "image-sync-cluster-tls");
        var mount = ReplicaPod.Containers.Single().VolumeMounts.Single(m => m.Name == volume.Name);
        var certificate = CertManager.Single(o => o["kind"] == "Certificate" && o["metadata.name"] == "image-sync-replicas");

        Assert.True(tls.Enabled);
        Assert.Equal([Path.Combine(mount.MountPath, "tls.crt"), Path.Combine(mount.MountPath, "tls.key"), Path.Combine(mount.MountPath, "ca.crt")], [tls.Certificate, tls.Key, tls.Ca]);
        Assert.True(mount.ReadOnlyProperty);
        Assert.Equal(volume.Secret.SecretName, certificate["spec.secretName"]);
        Assert.Equal("Issuer/image-sync-replicas-ca", $"{certificate["spec.issuerRef.kind"]}/{certificate["spec.issuerRef.name"]}");
        Assert.Contains("server auth", certificate["spec.usages"]);
        Assert.Contains("client auth", certificate["spec.usages"]);
        // Names are not checked (the CA is what admits a replica); they say which replicas hold the certificate.
        Assert.Equal(Enumerable.Range(0, 3).Select(i => $"image-sync-{i}.image-sync-replicas"), certificate["spec.dnsNames"].Split(','));
    }

    [Fact]
    public void Should_admit_the_cluster_port_only_from_the_replicas_and_the_endpoint_only_from_what_scrapes_it()
    {
        var policy = Daemon.OfType<V1NetworkPolicy>().Single();
        var container = ReplicaPod.Containers.Single();

        Assert.Equal(Replicas.Spec.Selector.MatchLabels, policy.Spec.PodSelector.MatchLabels);
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        var byPort = policy.Spec.Ingress.ToDictionary(rule => container.Ports.Single(p => p.Name == rule.Ports.Single().Port.Value).ContainerPort);
        Assert.Equal([4053, 9464], byPort.Keys.Order());
        Assert.Equal(Replicas.Spec.Selector.MatchLabels, byPort[4053].FromProperty.Single().PodSelector.MatchLabels);
        Assert.Null(byPort[4053].FromProperty.Single().NamespaceSelector);
        Assert.NotNull(byPort[9464].FromProperty.Single().NamespaceSelector);
        Assert.Equal("prometheus", byPort[9464].FromProperty.Single().PodSelector.MatchLabels["app.kubernetes.io/name"]);
    }

    [Fact]
    public void Should_keep_a_majority_of_the_replicas_through_a_drain()
    {
        var budget = Daemon.OfType<V1PodDisruptionBudget>().Single();

        Assert.Equal(Settings(Daemon, ReplicaPod, "image-sync-0").Cluster.Majority.ToString(), budget.Spec.MinAvailable.Value);
        Assert.Equal(Replicas.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
    }

    [Fact]
    public void Should_run_the_single_run_from_a_cronjob_never_two_at_once_without_the_cluster()
    {
        var cronJob = CronJob.OfType<V1CronJob>().Single();
        var settings = Settings(CronJob, RunPod, "image-sync-run");

        Assert.Equal("Forbid", cronJob.Spec.ConcurrencyPolicy);
        Assert.Equal("*/15 * * * *", cronJob.Spec.Schedule);
        Assert.Equal(["run", "--config", "/etc/image-sync/image-sync.conf"], RunPod.Containers.Single().Args);
        Assert.Equal("Never", RunPod.RestartPolicy);
        Assert.False(settings.Cluster.Enabled);
        Assert.Empty(CronJob.OfType<V1StatefulSet>());
    }

    [Fact]
    public void Should_run_the_image_of_the_version_file()
    {
        var version = File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim();

        Assert.All([ReplicaPod, RunPod], pod => Assert.Equal($"image-sync:{version}", pod.Containers.Single().Image));
    }

    /// <summary>The config a pod reads: the ConfigMap's files where the pod mounts them, the image's and the pod's variables.</summary>
    private ImageSyncSettings Settings(List<object> objects, V1PodSpec pod, string podName)
    {
        var container = pod.Containers.Single();
        var configMap = objects.OfType<V1ConfigMap>().Single();
        var mount = container.VolumeMounts.Single(m => pod.Volumes.Single(v => v.Name == m.Name).ConfigMap?.Name == configMap.Metadata.Name);
        var dir = _dir.File(podName);
        Directory.CreateDirectory(dir);
        foreach (var (name, text) in configMap.Data) File.WriteAllText(Path.Combine(dir, name), text);
        var config = container.Args[container.Args.IndexOf("--config") + 1];
        Assert.Equal(mount.MountPath, Path.GetDirectoryName(config));
        var environment = DockerfileSpecs.Environment();
        foreach (var variable in container.Env ?? [])
            environment[variable.Name] = variable.ValueFrom?.FieldRef?.FieldPath == "metadata.name" ? podName : variable.Value.Replace("$(POD_NAME)", podName);
        var file = Path.Combine(dir, Path.GetFileName(config));
        return SettingsLoader.Parse(File.ReadAllText(file), file, environment.GetValueOrDefault);
    }

    private static List<object> Render(string directory)
    {
        var (exitCode, yaml, errors) = Tool.Run("kubectl", Repository.Root, "kustomize", directory);
        Assert.True(exitCode == 0, $"kubectl kustomize {directory}: {errors}");
        return KubernetesYaml.LoadAllFromString(yaml, strict: true);
    }

    private static List<Dictionary<string, string>> Flatten((int ExitCode, string Stdout, string Stderr) rendered)
    {
        Assert.True(rendered.ExitCode == 0, $"kubectl kustomize deploy/kubernetes/cert-manager: {rendered.Stderr}");
        var documents = new YamlDotNet.RepresentationModel.YamlStream();
        documents.Load(new StringReader(rendered.Stdout));
        return [.. documents.Documents.Select(document =>
        {
            var fields = new Dictionary<string, string>();
            Walk(document.RootNode, "", fields);
            return fields;
        })];
    }

    private static void Walk(YamlDotNet.RepresentationModel.YamlNode node, string path, Dictionary<string, string> fields)
    {
        switch (node)
        {
            case YamlDotNet.RepresentationModel.YamlMappingNode map:
                foreach (var (key, value) in map.Children) Walk(value, path.Length == 0 ? key.ToString() : $"{path}.{key}", fields);
                break;
            case YamlDotNet.RepresentationModel.YamlSequenceNode list:
                fields[path] = string.Join(',', list.Children.Select(c => c.ToString()));
                break;
            default:
                fields[path] = node.ToString();
                break;
        }
    }

    public void Dispose() => _dir.Dispose();
}
