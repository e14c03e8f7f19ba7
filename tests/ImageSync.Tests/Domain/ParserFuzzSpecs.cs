using System.Text;
using CsCheck;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Domain;

/// <summary>
/// Random and mutated input for the two parsers that read what nodes send: they only ever answer with a
/// value or a typed error, never hang and never throw anything else.
/// </summary>
public sealed class ParserFuzzSpecs
{
    private const string Metacharacters = ";|&$()`'\"\\ \t\n\r\0<>*?[]{}~#!=%^,:@/._-+";
    private static readonly string[] Seeds =
    [
        "registry.example.com/team/api:1.4.2",
        "nginx:1.25",
        "localhost:5000/a/b/c@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1",
        "[::1]:5000/app:dev",
        "quay.io/a__b/c--d.e:Tag_1.0-rc",
    ];

    // Valid references with characters replaced, inserted or deleted at random, plus plain random text.
    private static readonly Gen<string> References = Gen.OneOf(
        Gen.Select(Gen.OneOf(Seeds), Gen.Int[0, 200], Gen.Char[Metacharacters + "aZ09Ａé\u200b"].Array[1, 4], Gen.Int[0, 2])
            .Select((seed, at, chars, how) => Mutate(seed, at, new string(chars), how)),
        Gen.Char[Metacharacters + "abcxyz0189ABCZ"].Array[0, 300].Select(chars => new string(chars)),
        Gen.String);

    [Fact]
    public void Should_answer_every_reference_with_a_value_or_a_reason_and_never_accept_a_shell_metacharacter()
    {
        References.Sample(text =>
        {
            var parsed = ImageRef.TryParse(text, out var image, out var error);

            if (!parsed)
            {
                Assert.NotEmpty(error);
                return;
            }
            var canonical = image!.ToString();
            Assert.DoesNotContain(canonical, c => ";|&$()`'\"\\ \t\n\r\0<>*?{}~#!=%^,".Contains(c) || c > 127);
            Assert.True(ImageRef.TryParse(canonical, out var again, out _), canonical);
            Assert.Equal(canonical, again!.ToString());
        }, iter: 20_000);
    }

    [Fact]
    public void Should_answer_every_inventory_document_with_an_inventory_or_a_typed_error()
    {
        var valid = """{"images":[{"id":"sha256:1","repoTags":["registry.example.com/team/a:1"],"repoDigests":[],"size":"12","uid":null,"pinned":false}]}""";
        var documents = Gen.OneOf(
            Gen.Select(Gen.Int[0, valid.Length], Gen.Int[0, 10], Gen.Char[Metacharacters + "{}[]\",:0123456789nulltruefalse"].Array[0, 6])
                .Select((at, cut, chars) => Mutate(valid, at, new string(chars), cut % 3)),
            Gen.Char["{}[]\",: 0123456789aeilnrstu"].Array[0, 400].Select(chars => new string(chars)),
            Gen.Byte.Array[0, 300].Select(bytes => Encoding.Latin1.GetString(bytes)));

        documents.Sample(text =>
        {
            try
            {
                var inventory = CrictlImagesJson.Parse(NodeName.Parse("w1"), Encoding.UTF8.GetBytes(text), maxImages: 50);
                Assert.All(inventory.Images, i => Assert.True(i.SizeBytes >= 0));
            }
            catch (NodeException e)
            {
                Assert.Equal("w1", e.Node.Value);
            }
        }, iter: 20_000);
    }

    private static string Mutate(string seed, int at, string text, int how)
    {
        var position = at % (seed.Length + 1);
        return how switch
        {
            0 => seed.Insert(position, text),
            1 => seed[..position] + text + seed[Math.Min(seed.Length, position + text.Length)..],
            _ => seed.Remove(position, Math.Min(text.Length, seed.Length - position)),
        };
    }
}
