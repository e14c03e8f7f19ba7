using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Tests.Configuration;

/// <summary><c>ssh.jump</c> and a node's own <c>jump</c>: the bastions a node is reached through.</summary>
public sealed class JumpSettingSpecs
{
    private static readonly Func<string, string?> Environment = name => name == "HOME" ? "/root" : null;

    private static ImageSyncSettings Load(string ssh, string nodes = "{ name = w1, host = 10.0.0.1 }") => SettingsLoader.Parse($$"""
        image-sync {
          nodes = [ {{nodes}} ]
          images.include-prefixes = ["registry.example.com/"]
          ssh { user = ops, port = 2200, {{ssh}} }
        }
        """, environment: Environment);

    [Fact]
    public void Should_reach_every_node_directly_when_no_jump_is_set()
    {
        var settings = Load("");

        Assert.True(Assert.Single(settings.Nodes).Jump.IsDirect);
    }

    [Fact]
    public void Should_give_every_node_the_bastion_of_ssh_jump_when_the_node_names_none()
    {
        var settings = Load("jump = \"admin@bastion.example.com:2222\"", "{ name = w1, host = 10.0.0.1 }, { name = w2, host = 10.0.0.2 }");

        Assert.All(settings.Nodes, node => Assert.Equal([new JumpHost("admin", "bastion.example.com", 2222)], node.Jump.Hops));
    }

    [Fact]
    public void Should_log_in_to_a_bastion_as_ssh_user_on_port_22_when_it_names_neither()
    {
        var settings = Load("jump = bastion");

        // ssh.port is the nodes' port; a bastion is not a node.
        Assert.Equal([new JumpHost("ops", "bastion", 22)], Assert.Single(settings.Nodes).Jump.Hops);
    }

    [Fact]
    public void Should_keep_the_order_of_a_chain_first_hop_first()
    {
        var settings = Load("jump = [\"u1@b1\", \"b2:2222\", \"u3@[fd00::3]:22\"]");

        Assert.Equal("u1@b1:22,ops@b2:2222,u3@[fd00::3]:22", Assert.Single(settings.Nodes).Jump.ToString());
    }

    [Fact]
    public void Should_use_a_node_s_own_jump_over_ssh_jump()
    {
        var settings = Load("jump = b1", "{ name = w1, host = 10.0.0.1, jump = \"root@b2\" }");

        Assert.Equal([new JumpHost("root", "b2", 22)], Assert.Single(settings.Nodes).Jump.Hops);
    }

    [Fact]
    public void Should_reach_a_node_directly_when_its_own_jump_is_empty_though_ssh_jump_names_a_bastion()
    {
        var settings = Load("jump = b1", "{ name = w1, host = 10.0.0.1, jump = [] }, { name = w2, host = 10.0.0.2 }");

        Assert.Equal([true, false], settings.Nodes.Select(n => n.Jump.IsDirect));
    }

    [Fact]
    public void Should_count_two_chains_of_the_same_bastions_as_one_when_they_are_written_apart()
    {
        var settings = Load("", "{ name = w1, host = 10.0.0.1, jump = [b1, b2] }, { name = w2, host = 10.0.0.2, jump = [\"ops@b1:22\", b2] }");

        Assert.Equal(settings.Nodes[0].Jump, settings.Nodes[1].Jump);
        Assert.Equal(settings.Nodes[0].Jump.GetHashCode(), settings.Nodes[1].Jump.GetHashCode());
    }
}
