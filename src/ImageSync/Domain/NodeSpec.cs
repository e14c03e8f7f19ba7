namespace ImageSync.Domain;

/// <summary>A worker node as the config names it: where to reach it and as whom.</summary>
public sealed record NodeSpec(NodeName Name, string Host, int Port, string User)
{
    public override string ToString() => $"{Name} ({User}@{Host}:{Port})";
}
