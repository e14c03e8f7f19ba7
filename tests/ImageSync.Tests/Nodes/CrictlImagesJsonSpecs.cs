using System.Text;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Nodes;

public sealed class CrictlImagesJsonSpecs
{
    private static readonly NodeName Node = NodeName.Parse("worker-1");

    // crictl up to 1.30 prints every field, null ones included.
    private const string OldShape = """
        {
          "images": [
            {
              "id": "sha256:0f5b6ea1c6ff1c0d8e1a2b7b6a07ed81b0e1c3b0bb7e8f5e2c9e4b4b0a7e0a11",
              "repoTags": ["registry.example.com/team/api:1.4.2", "registry.example.com/team/api:latest"],
              "repoDigests": ["registry.example.com/team/api@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1"],
              "size": "29683712",
              "uid": null,
              "username": "",
              "spec": null,
              "pinned": false
            },
            {
              "id": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
              "repoTags": [],
              "repoDigests": ["registry.example.com/team/old@sha256:2222222222222222222222222222222222222222222222222222222222222222"],
              "size": "1024",
              "uid": { "value": "0" },
              "username": "",
              "spec": null,
              "pinned": true
            }
          ]
        }
        """;

    // crictl 1.31 and later omit null fields.
    private const string NewShape = """
        {"images":[{"id":"sha256:aa","repoTags":["docker.io/library/nginx:1.25"],"repoDigests":[],"size":"187000000","username":"","pinned":false},
                   {"id":"sha256:bb","repoDigests":["registry.k8s.io/pause@sha256:3333333333333333333333333333333333333333333333333333333333333333"],"size":"300000","pinned":true}]}
        """;

    [Fact]
    public void Should_read_tags_digests_and_string_sizes_when_crictl_prints_null_fields()
    {
        var inventory = Parse(OldShape);

        Assert.Equal(2, inventory.Images.Count);
        var api = inventory.Images[0];
        Assert.Equal(["registry.example.com/team/api:1.4.2", "registry.example.com/team/api:latest"], api.Tags.Select(t => t.ToString()));
        Assert.Equal("registry.example.com/team/api", Assert.Single(api.Digests).Repository);
        Assert.Equal(29_683_712, api.SizeBytes);
        Assert.Empty(inventory.Images[1].Tags);
    }

    [Fact]
    public void Should_read_the_document_when_crictl_omits_null_fields()
    {
        var inventory = Parse(NewShape);

        Assert.Equal("docker.io/library/nginx:1.25", Assert.Single(inventory.Images[0].Tags).ToString());
        Assert.Empty(inventory.Images[1].Tags);
        Assert.Equal(300_000, inventory.Images[1].SizeBytes);
        Assert.Equal([false, true], inventory.Images.Select(i => i.Pinned));
    }

    [Theory]
    [InlineData("{\"images\":[]}")]
    [InlineData("{\"images\":null}")]
    [InlineData("{}")]
    public void Should_give_an_empty_inventory_when_the_node_has_no_images(string json)
    {
        Assert.Empty(Parse(json).Images);
    }

    [Fact]
    public void Should_refuse_a_node_listing_more_images_than_the_limit_naming_the_count_and_the_key()
    {
        var json = Encoding.UTF8.GetBytes(NewShape);

        Assert.Equal(2, CrictlImagesJson.Parse(Node, json, maxImages: 2).Images.Count);
        var refused = Assert.Throws<NodeException>(() => CrictlImagesJson.Parse(Node, json, maxImages: 1));
        Assert.Equal(Node, refused.Node);
        Assert.Contains("crictl lists more images than images.max-inventory-images (1)", refused.Message);
    }

    [Fact]
    public void Should_set_aside_references_that_are_not_valid_when_a_node_reports_them()
    {
        var json = """{"images":[{"id":"x","repoTags":["a/b:1;touch /tmp/x","registry.example.com/team/ok:1","$(id)"],"size":"1"}]}""";

        var inventory = Parse(json);

        Assert.Equal("registry.example.com/team/ok:1", Assert.Single(inventory.Images[0].Tags).ToString());
        Assert.Equal(["a/b:1;touch /tmp/x", "$(id)"], inventory.RejectedReferences);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"images\":[{\"id\":\"x\"", "not valid JSON")]
    [InlineData("FATA[0000] connect: connection refused", "not valid JSON")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("{\"images\":{}}", "\"images\" is not an array")]
    [InlineData("{\"images\":[{\"id\":\"x\",\"pinned\":\"yes\"}]}", "images[0].pinned is not true or false")]
    [InlineData("{\"images\":[1]}", "images[0] is not an object")]
    [InlineData("{\"images\":[{\"repoTags\":\"a:1\"}]}", "images[0].repoTags is not an array")]
    [InlineData("{\"images\":[{\"repoTags\":[1]}]}", "images[0].repoTags holds a non-string")]
    [InlineData("{\"images\":[{\"size\":\"-5\"}]}", "images[0].size")]
    [InlineData("{\"images\":[{\"size\":\"12abc\"}]}", "images[0].size")]
    [InlineData("{\"images\":[{\"id\":7}]}", "images[0].id is not a string")]
    public void Should_raise_a_typed_error_naming_the_node_when_the_document_is_malformed(string json, string problem)
    {
        var error = Assert.Throws<MalformedInventoryException>(() => Parse(json));

        Assert.Equal(Node, error.Node);
        Assert.Contains("worker-1", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Should_refuse_deeply_nested_documents_with_a_typed_error()
    {
        var json = "{\"images\":[{\"uid\":" + new string('[', 100) + new string(']', 100) + "}]}";

        Assert.Throws<MalformedInventoryException>(() => Parse(json));
    }

    [Fact]
    public void Should_read_the_same_inventory_when_the_document_streams_in_a_few_bytes_at_a_time()
    {
        var images = string.Join(",", Enumerable.Range(0, 2000).Select(i =>
            $"{{\"id\":\"sha256:{i:D64}\",\"repoTags\":[\"registry.example.com/team/app{i}:1\"],\"repoDigests\":[],\"size\":\"{i}\",\"uid\":{{\"value\":\"0\"}},\"spec\":null}}"));
        var json = Encoding.UTF8.GetBytes($"{{\"images\":[{images}],\"extra\":{{\"a\":[1,2,3]}}}}\n");

        using var trickle = new Trickle(json, chunk: 7);
        var streamed = CrictlImagesJson.Read(Node, trickle);

        Assert.True(json.Length > 256 * 1024, "the document must be larger than the reader's first buffer");
        Assert.Equal(2000, streamed.Images.Count);
        Assert.Equal(Parse(Encoding.UTF8.GetString(json)).Images.Select(i => (i.Id, i.Tags[0].ToString(), i.SizeBytes)),
            streamed.Images.Select(i => (i.Id, i.Tags[0].ToString(), i.SizeBytes)));
        Assert.Equal(json.Length, trickle.Position);
    }

    /// <summary>A stream that hands out at most a few bytes per read, as a slow channel does.</summary>
    private sealed class Trickle(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }

    private static NodeInventory Parse(string json) => CrictlImagesJson.Parse(Node, Encoding.UTF8.GetBytes(json));
}
