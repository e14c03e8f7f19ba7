namespace ImageSync.Configuration;

/// <summary>
/// <c>image-sync.nodes-from.kubernetes</c>: worker nodes read from a Kubernetes API at the start of every sync,
/// beside the static <c>nodes</c> list.
/// </summary>
/// <param name="Kubeconfig">"" for $KUBECONFIG or ~/.kube/config; <see cref="InCluster"/> for the pod's service account.</param>
/// <param name="Context">"" for the kubeconfig's current-context.</param>
/// <param name="AddressType">Which entry of a node's status.addresses to connect to.</param>
public sealed record KubernetesSettings(
    bool Enabled,
    string Kubeconfig,
    string Context,
    string LabelSelector,
    string AddressType,
    bool SkipNotReady,
    bool SkipCordoned,
    TimeSpan Timeout)
{
    public const string InCluster = "in-cluster";
    private const string Section = "image-sync.nodes-from.kubernetes";

    /// <summary>The address types a Node's status can hold (core/v1 NodeAddress).</summary>
    public static readonly IReadOnlyList<string> AddressTypes = ["InternalIP", "ExternalIP", "Hostname", "InternalDNS", "ExternalDNS"];

    /// <summary>Reads <c>image-sync.nodes-from.kubernetes</c>; what is wrong goes to the reader's problems.</summary>
    internal static KubernetesSettings Create(ConfigReader reader, string home)
    {
        var addressType = reader.String($"{Section}.address-type");
        if (!AddressTypes.Contains(addressType))
            reader.Problem($"{Section}.address-type", reader.Node($"{Section}.address-type"), $"'{addressType}' is not one of: {string.Join(", ", AddressTypes)}");
        return new KubernetesSettings(
            reader.Switch($"{Section}.enabled"),
            reader.Path($"{Section}.kubeconfig", home, allowEmpty: true),
            reader.String($"{Section}.context"),
            reader.String($"{Section}.label-selector"),
            addressType,
            reader.Switch($"{Section}.skip-not-ready"),
            reader.Switch($"{Section}.skip-cordoned"),
            reader.Duration($"{Section}.timeout", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)));
    }
}
