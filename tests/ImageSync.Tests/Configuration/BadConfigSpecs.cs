using ImageSync.Configuration;

namespace ImageSync.Tests.Configuration;

/// <summary>Each bad value gets a message naming the key, the value and what is allowed.</summary>
public sealed class BadConfigSpecs
{
    private const string Valid = """
        image-sync {
          nodes = [ { name = w1, host = 10.0.0.1 }, { name = w2, host = 10.0.0.2 } ]
          images.include-prefixes = ["registry.example.com/"]
        }
        """;

    public static TheoryData<string, string, string> BadConfigs => new()
    {
        { "image-sync.transport = ftp", "image-sync.transport", "'ftp' is not one of: ssh, simulated" },
        { "image-sync.nodes = []", "image-sync.nodes", "list at least one node" },
        { "image-sync.nodes-from.kubernetes.address-type = internal-ip", "image-sync.nodes-from.kubernetes.address-type", "'internal-ip' is not one of: InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS" },
        { "image-sync.nodes-from.kubernetes.lable-selector = x", "image-sync.nodes-from.kubernetes.lable-selector", "did you mean 'label-selector'?" },
        { "image-sync.nodes = w1", "image-sync.nodes", "expected a list [ ... ], found a value" },
        { "image-sync.nodes = [ w1 ]", "image-sync.nodes[0]", "expected { name = ..., host = ... }" },
        { "image-sync.nodes = [ { host = h } ]", "image-sync.nodes[0].name", "is required" },
        { "image-sync.nodes = [ { name = \"-w\", host = h } ]", "image-sync.nodes[0].name", "'-w': a node name is 1-63 characters" },
        { "image-sync.nodes = [ { name = w, host = \"h;rm\" } ]", "image-sync.nodes[0].host", "'h;rm' is not a host name or IP address" },
        { "image-sync.nodes = [ { name = w, host = \"10.0.0.12:22\" } ]", "image-sync.nodes[0].host", "'10.0.0.12:22' holds a port; write them apart: host = \"10.0.0.12\", port = 22" },
        { "image-sync.nodes = [ { name = w, host = \"ops@10.0.0.12\" } ]", "image-sync.nodes[0].host", "'ops@10.0.0.12' holds a user; write them apart: host = \"10.0.0.12\", user = ops" },
        { "image-sync.nodes = [ { name = w, host = \"ops@[fd00::12]:2222\" } ]", "image-sync.nodes[0].host", "holds a user and a port; write them apart: host = \"fd00::12\", port = 2222, user = ops" },
        { "image-sync.nodes = [ { name = w, host = \"[fd00::12]\" } ]", "image-sync.nodes[0].host", "holds brackets; write them apart: host = \"fd00::12\"" },
        { "image-sync.nodes = [ { name = w, host = \"10.0.0.12 10.0.0.13\" } ]", "image-sync.nodes[0].host", "'10.0.0.12 10.0.0.13' holds a space" },
        { "image-sync.nodes = [ { name = w, host = \"1:2:3\" } ]", "image-sync.nodes[0].host", "'1:2:3' is not a host name or IP address" },
        { "image-sync.nodes = [ { name = w, host = h, port = 0 } ]", "image-sync.nodes[0].port", "'0' is not a whole number from 1 to 65535" },
        { "image-sync.nodes = [ { name = w, host = h, user = \"root;id\" } ]", "image-sync.nodes[0].user", "'root;id' is not a valid login name" },
        { "image-sync.nodes = [ { name = w, host = h, color = red } ]", "image-sync.nodes[0].color", "unknown key" },
        { "image-sync.nodes = [ { name = w, host = h, usr = ops } ]", "image-sync.nodes[0].usr", "unknown key, did you mean 'user'?" },
        { "image-sync-shapes.node.color = red", "image-sync-shapes", "unknown key" },
        { "image-sync.ssh.max-connecting = 0", "image-sync.ssh.max-connecting", "'0' is not a whole number from 1 to 1024" },
        { "image-sync.ssh.port = 99999", "image-sync.ssh.port", "'99999' is not a whole number from 1 to 65535" },
        { "image-sync.ssh.host-key-checking = yes", "image-sync.ssh.host-key-checking", "'yes' is not one of: strict, accept-new, off" },
        { "image-sync.ssh.connect-timeout = 0s", "image-sync.ssh.connect-timeout", "'0s' is outside the allowed range 1s to 10m" },
        { "image-sync.ssh.keepalive = often", "image-sync.ssh.keepalive", "'often' is not a duration" },
        { "image-sync.ssh.sudo = maybe", "image-sync.ssh.sudo", "'maybe' is not on or off" },
        { "image-sync.ssh.crictl = \"crictl --debug\"", "image-sync.ssh.crictl", "is not a command name or absolute path" },
        { "image-sync.ssh.key-file = \"\"", "image-sync.ssh.key-file", "must not be empty: name the private key, or set ssh.agent = on to use only the agent's keys" },
        { "image-sync.ssh.agent = maybe", "image-sync.ssh.agent", "'maybe' is not on or off" },
        { "image-sync.ssh.key-passphrase-env = \"A-B\"", "image-sync.ssh.key-passphrase-env", "'A-B' is not an environment variable name" },
        { "image-sync.ssh.pasword = x", "image-sync.ssh.pasword", "unknown key" },
        { "image-sync.ssh.jump = \"ops@bastion;id\"", "image-sync.ssh.jump", "'ops@bastion;id': 'bastion;id' is not a host name or IP address (a bastion is user@host:port" },
        { "image-sync.ssh.jump = [ \"b1\", \"b2:0\" ]", "image-sync.ssh.jump[1]", "'b2:0': '0' is not a port from 1 to 65535" },
        { "image-sync.ssh.jump = \"b1,b2\"", "image-sync.ssh.jump", "'b1,b2' names several bastions: write a chain as a list, first hop first: [\"b1\", \"b2\"]" },
        { "image-sync.ssh.jump = \"\"", "image-sync.ssh.jump", "is empty: name a bastion as user@host:port, or write jump = [] to connect directly" },
        { "image-sync.ssh.jump = [ [ b1 ] ]", "image-sync.ssh.jump[0]", "expected a single value, found a list" },
        { "image-sync.nodes = [ { name = w, host = h, jump = \"root;id@b1\" } ]", "image-sync.nodes[0].jump", "'root;id' is not a valid login name" },
        { "image-sync.ssh.kex-algorithms = curve25519-sha256", "image-sync.ssh.kex-algorithms", "expected a list [ ... ], found a value" },
        { "image-sync.images.include-prefixes = []", "image-sync.images.include-prefixes", "list at least one prefix" },
        { "image-sync.images.include-prefixes = \"registry/\"", "image-sync.images.include-prefixes", "expected a list [ ... ], found a value" },
        { "image-sync.images.exclude = [ [a] ]", "image-sync.images.exclude[0]", "expected a single value, found a list" },
        { "image-sync.images.max-inventory-bytes = 64MB", "image-sync.images.max-inventory-bytes", "'64MB' is not a size from 1KiB to 4GiB" },
        { "image-sync.pull.timeout = 600", "image-sync.pull.timeout", "'600' is not a duration: write a number with a unit" },
        { "image-sync.pull.timeout = 2d", "image-sync.pull.timeout", "'2d' is outside the allowed range 1s to 1d" },
        { "image-sync.pull.max-parallel = 0", "image-sync.pull.max-parallel", "'0' is not a whole number from 1 to 256" },
        { "image-sync.pull.max-per-node = 11", "image-sync.pull.max-per-node", "'11' is not a whole number from 1 to 10" },
        { "image-sync.pull.retries = -1", "image-sync.pull.retries", "'-1' is not a whole number from 0 to 10" },
        { "image-sync.pull.retry-backof = 1s", "image-sync.pull.retry-backof", "did you mean 'retry-backoff'?" },
        { "image-sync.logs.retention-days = 0", "image-sync.logs.retention-days", "'0' is not a whole number from 1 to 36500" },
        { "image-sync.logs.dir = \"\"", "image-sync.logs.dir", "must not be empty" },
        { "image-sync.lock-file = [ a ]", "image-sync.lock-file", "expected a single value, found a list" },
        { "image-sync.shutdown-grace = 2h", "image-sync.shutdown-grace", "'2h' is outside the allowed range 0s to 1h" },
        { "image-sync.daemon.interval = 1s", "image-sync.daemon.interval", "'1s' is outside the allowed range 10s to 7d" },
        { "image-sync.daemon.metrics = 9464", "image-sync.daemon.metrics", "'9464' is not host:port" },
        { "image-sync.deamon.interval = 5m", "image-sync.deamon", "did you mean 'daemon'?" },
        { "imagesync.transport = ssh", "imagesync", "did you mean 'image-sync'?" },
        { "image-sync.simulated.nodes.w1.faults.connect = sometimes", "image-sync.simulated.nodes.w1.faults.connect", "'sometimes' is not one of: none, refused, hang, auth-rejected, host-key-mismatch" },
        { "image-sync.simulated.nodes.w1.faults.pull-failure-probability = 2", "image-sync.simulated.nodes.w1.faults.pull-failure-probability", "'2' is not a number from 0 to 1" },
        { "image-sync.simulated.nodes.w1.images = [ { ref = \"a/b:1;id\" } ]", "image-sync.simulated.nodes.w1.images[0].ref", "'a/b:1;id' is not an image reference" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Should_name_the_key_the_value_and_what_is_allowed_when_a_value_is_bad(string bad, string key, string message)
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(Valid + "\n" + bad, "bad.conf", name => name == "HOME" ? "/root" : null));

        var problem = Assert.Single(error.Problems, p => p.StartsWith(key + " ") || p.StartsWith(key + ":"));
        Assert.Contains(message, problem);
    }

    [Fact]
    public void Should_point_at_the_line_and_column_of_the_bad_value()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(Valid + "\nimage-sync.pull.max-parallel = 0", "bad.conf", _ => null));

        Assert.StartsWith("image-sync.pull.max-parallel (bad.conf:5:32): ", Assert.Single(error.Problems));
    }
}
