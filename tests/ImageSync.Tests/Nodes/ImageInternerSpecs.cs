using System.Text;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Nodes;

public sealed class ImageInternerSpecs
{
    private const string Document = """
        {"images":[
          {"id":"sha256:1111111111111111111111111111111111111111111111111111111111111111","repoTags":["registry.example.com/team/api:1"],
           "repoDigests":["registry.example.com/team/api@sha256:2222222222222222222222222222222222222222222222222222222222222222"],"size":"10"},
          {"id":"sha256:3333333333333333333333333333333333333333333333333333333333333333","repoTags":["registry.example.com/team/web:2","bad;ref"],"size":"20"}
        ]}
        """;

    [Fact]
    public void Should_share_one_image_object_when_many_nodes_list_the_same_image()
    {
        var interner = new ImageInterner();

        var inventories = Enumerable.Range(1, 100).Select(i => CrictlImagesJson.Parse(NodeName.Parse($"w{i}"), Encoding.UTF8.GetBytes(Document), interner: interner)).ToList();

        Assert.All(inventories, inventory => Assert.Same(inventories[0].Images[0], inventory.Images[0]));
        Assert.All(inventories, inventory => Assert.Same(inventories[0].Images[1].Tags[0], inventory.Images[1].Tags[0]));
        Assert.All(inventories, inventory => Assert.Equal(["bad;ref"], inventory.RejectedReferences));
    }

    [Fact]
    public void Should_keep_apart_images_that_differ_in_anything_a_node_says_of_them()
    {
        var interner = new ImageInterner();
        var api = ImageRef.Parse("registry.example.com/team/api:1");

        var first = interner.Image(new NodeImage("sha256:1", [api], [], 10));
        var otherSize = interner.Image(new NodeImage("sha256:1", [api], [], 11));
        var again = interner.Image(new NodeImage("sha256:1", [ImageRef.Parse("registry.example.com/team/api:1")], [], 10));

        Assert.NotSame(first, otherSize);
        Assert.Same(first, again);
    }

    [Fact]
    public void Should_parse_a_reference_once_and_remember_an_invalid_one_as_invalid()
    {
        var interner = new ImageInterner();

        Assert.Same(interner.Reference("registry.example.com/team/api:1"), interner.Reference("registry.example.com/team/api:1"));
        Assert.Null(interner.Reference("a/b:1;touch /tmp/x"));
    }

    [Fact]
    public void Should_start_afresh_instead_of_growing_past_its_capacity()
    {
        var interner = new ImageInterner(capacity: 10);
        var first = interner.Reference("registry.example.com/team/app0:1");

        for (var i = 1; i <= 3000; i++) interner.Reference($"registry.example.com/team/app{i}:1");

        Assert.NotSame(first, interner.Reference("registry.example.com/team/app0:1"));
    }
}
