using ImageSync.Cli;
using ImageSync.Cli.Commands;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Tests.Support;
using Spectre.Console.Cli.Testing;

namespace ImageSync.Tests.Cli;

/// <summary>run/plan --node and --image, plan --exit-code, and validate, as the command line parses and checks them.</summary>
public sealed class ScopeOptionsSpecs : IDisposable
{
    private const string Missing = "/nonexistent/image-sync.conf";
    private const string Api = "registry.example.com/team/api:2.0";
    private readonly StringWriter _errors = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("image-sync-scope-").FullName;

    [Fact]
    public async Task Should_take_node_and_image_more_than_once_on_run_and_plan()
    {
        foreach (var command in new[] { "run", "plan" })
        {
            var parsed = Assert.IsAssignableFrom<ScopeOptions>((await Tester().RunAsync([command, "-c", Missing, "--node", "w1", "--image", Api, "--node", "w3", "--image", "busybox"])).Settings);

            Assert.Equal(["w1", "w3"], parsed.Nodes);
            Assert.Equal([Api, "busybox"], parsed.Images);
        }
    }

    [Fact]
    public async Task Should_take_exit_code_on_plan_only()
    {
        var run = await ImageSyncApp.RunAsync(["run", "--config", Missing, "--exit-code"], new Spectre.Console.Testing.TestConsole(), _errors);
        var plan = Assert.IsType<PlanOptions>((await Tester().RunAsync(["plan", "-c", Missing, "--exit-code"])).Settings);

        Assert.True(plan.ExitCode);
        Assert.Equal(ExitCodes.BadConfig, run);
        Assert.StartsWith("image-sync: run does not take '--exit-code'", _errors.ToString());
    }

    [Fact]
    public void Should_make_the_scope_of_the_named_nodes_and_images_once_each_in_normalized_form()
    {
        var options = new PlanOptions { Nodes = ["w2", "w1", "w2"], Images = ["busybox:1.36", "docker.io/library/busybox:1.36"] };

        var scope = options.Scope(TestData.Ssh());

        Assert.Equal(["w2", "w1"], scope.Nodes.Select(n => n.Value));
        Assert.Equal(["docker.io/library/busybox:1.36"], scope.Images.Select(i => i.ToString()));
        Assert.True(new PlanOptions().Scope(TestData.Ssh()).IsEverything);
    }

    [Theory]
    [InlineData("w4", null, "--node 'w4' is not a node of the config, did you mean 'w1'?")]
    [InlineData("zeta-9", null, "--node 'zeta-9' is not a node of the config (its nodes: w1, w2, w3)")]
    [InlineData("-w", null, "--node '-w': a node name is 1-63 characters")]
    [InlineData(null, "Registry/API", "--image 'Registry/API' is not an image reference: ")]
    public void Should_refuse_a_node_the_config_does_not_list_and_a_reference_that_is_not_one(string? node, string? image, string why)
    {
        var options = new RunOptions { Nodes = node is null ? [] : [node], Images = image is null ? [] : [image] };

        var error = Assert.Throws<UsageException>(() => options.Scope(TestData.Ssh()));

        Assert.StartsWith(why, error.Message);
    }

    [Fact]
    public void Should_take_any_node_name_when_a_kubernetes_api_lists_the_nodes()
    {
        var settings = TestData.Ssh("nodes-from.kubernetes.enabled = on");

        var scope = new RunOptions { Nodes = ["ip-10-0-0-7"] }.Scope(settings);

        Assert.Equal("ip-10-0-0-7", Assert.Single(scope.Nodes).Value);
    }

    [Fact]
    public async Task Should_exit_2_naming_the_entry_when_run_plan_or_validate_reads_a_bad_wanted_entry()
    {
        var config = Write("bad.conf", """
            image-sync {
              transport = simulated
              nodes = [ { name = w1 } ]
              images { include-prefixes = ["registry.example.com/"], wanted = [ { ref = "registry.example.com/a:1", nodes = [w9] } ] }
            }
            """);

        foreach (var command in new[] { "validate", "plan", "run" })
        {
            var errors = new StringWriter();
            Assert.Equal(ExitCodes.BadConfig, await ImageSyncApp.RunAsync([command, "-c", config], new Spectre.Console.Testing.TestConsole(), errors));
            Assert.Contains("image-sync.images.wanted[0].nodes[0] (", errors.ToString());
            Assert.Contains("'w9' is not a node of image-sync.nodes", errors.ToString());
        }
    }

    [Fact]
    public void Should_say_config_OK_with_what_it_holds_when_validating_a_simulated_config()
    {
        var settings = TestData.Simulated($"images.wanted = [ {{ ref = \"{Api}\" }} ]");

        Assert.Equal("config OK: 3 nodes, 1 wanted images, simulated transport; no node was contacted", ValidateCommand.Validate(settings, _ => null));
    }

    [Fact]
    public void Should_refuse_a_missing_known_hosts_file_under_strict_checking()
    {
        var settings = TestData.Ssh($"ssh {{ known-hosts-file = \"{_dir}/known_hosts\", key-file = \"{_dir}/id\" }}");

        var error = Assert.Throws<ConfigException>(() => ValidateCommand.Validate(settings, _ => null));

        Assert.Equal($"image-sync.ssh.known-hosts-file: '{_dir}/known_hosts' does not exist, so with host-key-checking = strict every node would be refused "
            + "(add their keys with ssh-keyscan, or use accept-new to trust each on first use)", Assert.Single(error.Problems));
    }

    [Fact]
    public void Should_refuse_a_key_file_that_is_not_there()
    {
        var settings = TestData.Ssh($"ssh {{ known-hosts-file = \"{_dir}/known_hosts\", host-key-checking = accept-new, key-file = \"{_dir}/id\" }}");

        var error = Assert.Throws<ConfigException>(() => ValidateCommand.Validate(settings, _ => null));

        Assert.Contains($"{_dir}/id", Assert.Single(error.Problems));
    }

    [Fact]
    public void Should_exit_10_for_a_plan_with_pulls_to_try_only_when_asked_and_never_over_a_failure()
    {
        var pending = Summary(new SyncPlan([TestData.Pull("w1", "api:1")]));
        var onlySkipped = Summary(new SyncPlan([TestData.Pull("w1", "api:1")]) { Skips = [new SkippedPull(TestData.Pull("w1", "api:1"), "disk: full")] });
        var unreachable = Summary(new SyncPlan([TestData.Pull("w1", "api:1")]), NodeStatus.Unreachable(NodeName.Parse("w2"), "refused", NodeStage.Connect));
        var onlyHeldBack = Summary(new SyncPlan([]) { HeldBack = [new HeldBackPull(TestData.Pull("w1", "api:1"), DateTimeOffset.UnixEpoch.AddHours(6))] });

        Assert.Equal((ExitCodes.PullsPending, ExitCodes.Ok), (ExitCodes.For(pending, null, pendingIsExit: true), ExitCodes.For(pending, null)));
        Assert.Equal(ExitCodes.Ok, ExitCodes.For(onlySkipped, null, pendingIsExit: true));
        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (ExitCodes.For(onlyHeldBack, null, pendingIsExit: true), ExitCodes.For(onlyHeldBack with { Mode = SyncMode.Run }, null)));
        Assert.Equal(ExitCodes.Ok, ExitCodes.For(Summary(SyncPlan.Empty), null, pendingIsExit: true));
        Assert.Equal(ExitCodes.Failures, ExitCodes.For(unreachable, null, pendingIsExit: true));
        Assert.DoesNotContain(ExitCodes.PullsPending, new[] { ExitCodes.Ok, ExitCodes.LockHeld, ExitCodes.BadConfig, ExitCodes.Failures, ExitCodes.DaemonFailed, ExitCodes.Interrupted, ExitCodes.Terminated });
    }

    private static SyncSummary Summary(SyncPlan plan, params NodeStatus[] unreachable) =>
        new(SyncMode.Plan, DateTimeOffset.UnixEpoch, TimeSpan.Zero, [NodeStatus.Ready(NodeName.Parse("w1"), 0, []), .. unreachable], plan, [], false, null, TransferMode.RegistryOnly);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private CommandAppTester Tester()
    {
        var tester = new CommandAppTester();
        tester.Configure(config => ImageSyncApp.Configure(config, tester.Console, _errors));
        return tester;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
