namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A real OpenSSH ssh-agent on a socket of its own (<c>ssh-agent -D -a</c>), holding what the test adds with
/// ssh-add. Its confirmation prompt is <c>/bin/false</c>, so a key added with confirmation is refused every signature.
/// </summary>
public sealed class TestAgent : IDisposable
{
    private readonly RunningProcess _agent;

    public TestAgent(string root)
    {
        Socket = Path.Combine(root, "agent.sock");
        _agent = Shell.Start("ssh-agent", ["-D", "-a", Socket], new Dictionary<string, string>
        {
            ["SSH_ASKPASS"] = "/bin/false",
            ["SSH_ASKPASS_REQUIRE"] = "force",
        });
        if (!Eventually.Holds(() => File.Exists(Socket), TimeSpan.FromSeconds(10), every: TimeSpan.FromMilliseconds(50)))
            throw new InvalidOperationException($"ssh-agent did not create {Socket}");
    }

    public string Socket { get; }

    /// <summary>The environment a CLI run needs to use this agent.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = Socket };

    /// <param name="confirm">As <c>ssh-add -c</c>: every use must be confirmed, which here is always refused.</param>
    public TestAgent Add(string keyFile, bool confirm = false)
    {
        using var add = Shell.Start("ssh-add", confirm ? ["-c", keyFile] : [keyFile], Environment);
        var result = add.Wait(TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0) throw new InvalidOperationException($"ssh-add failed ({result.ExitCode}): {result.Output}");
        return this;
    }

    public void Dispose() => _agent.Dispose();
}
