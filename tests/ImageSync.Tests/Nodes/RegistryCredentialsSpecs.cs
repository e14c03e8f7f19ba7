using System.Text;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

public sealed class RegistryCredentialsSpecs
{
    private static readonly RegistryCredentials Keyring = RegistryCredentials.Parse(Encoding.UTF8.GetBytes("""
        {
          "auths": {
            "registry.example.com": { "auth": "d2hvbGU6cmVnaXN0cnk=" },
            "registry.example.com/team/private": { "auth": "dGVhbTpwcml2YXRl" },
            "registry.example.com:5000": { "auth": "cG9ydDo1MDAw" },
            "*.mirror.example.com": { "auth": "Z2xvYjptaXJyb3I=" },
            "https://index.docker.io/v1/": { "username": "hub", "password": "s3cret" },
            "token-only.example.com": { "identitytoken": "abc" }
          }
        }
        """));

    [Theory]
    [InlineData("registry.example.com/team/api:1", "registry.example.com")]
    [InlineData("registry.example.com/team/private/db:2", "registry.example.com/team/private")]
    [InlineData("registry.example.com/team/private-x:2", "registry.example.com/team/private")]
    [InlineData("registry.example.com:5000/team/api:1", "registry.example.com:5000")]
    [InlineData("eu.mirror.example.com/team/api:1", "*.mirror.example.com")]
    [InlineData("docker.io/library/nginx:1.25", "https://index.docker.io/v1/")]
    public void Should_pick_the_most_specific_entry_as_kubelets_keyring_matches(string image, string entry)
    {
        Assert.Equal(entry, Keyring.For(ImageRef.Parse(image))?.Entry);
    }

    [Theory]
    [InlineData("registry.example.com:5001/team/api:1")]
    [InlineData("mirror.example.com/team/api:1")]
    [InlineData("a.b.mirror.example.com/team/api:1")]
    [InlineData("other.example.com/team/api:1")]
    [InlineData("token-only.example.com/team/api:1")]
    public void Should_give_no_credential_when_no_entry_matches_host_port_and_labels(string image)
    {
        Assert.Null(Keyring.For(ImageRef.Parse(image)));
    }

    [Fact]
    public void Should_read_username_and_password_as_crictls_auth_string_and_the_older_dockercfg_shape()
    {
        var legacy = RegistryCredentials.Parse(Encoding.UTF8.GetBytes("""{ "registry.example.com": { "auth": "dXNlcjpwdw==" } }"""));

        Assert.Equal("aHViOnMzY3JldA==", Keyring.For(ImageRef.Parse("nginx:1"))!.Auth);
        Assert.Equal("dXNlcjpwdw==", legacy.For(ImageRef.Parse("registry.example.com/a:1"))!.Auth);
    }

    [Fact]
    public void Should_never_show_the_secret_in_an_entrys_text()
    {
        var credential = Keyring.For(ImageRef.Parse("nginx:1"))!;

        Assert.Equal("credentials-file entry 'https://index.docker.io/v1/'", credential.ToString());
        Assert.DoesNotContain("s3cret", Keyring.Registries.Aggregate("", (all, r) => all + r));
    }

    [Fact]
    public void Should_redact_the_credential_in_each_of_its_forms()
    {
        var credential = Keyring.For(ImageRef.Parse("nginx:1"))!;

        var redacted = Redaction.Redact("header Basic aHViOnMzY3JldA== for hub:s3cret, password s3cret", credential.SecretForms());

        Assert.Equal("header Basic [redacted] for [redacted], password [redacted]", redacted);
    }

    [Fact]
    public void Should_refuse_a_file_that_is_not_a_docker_config_without_quoting_it()
    {
        using var dir = new TempDirectory();
        var file = dir.File("config.json");
        File.WriteAllText(file, "{ \"auths\": { \"registry.example.com\": { \"auth\": \"hunter2-not-base64\" } } }");

        var problem = Assert.Single(Assert.Throws<ConfigException>(() => RegistryCredentials.Load(file)).Problems);

        Assert.StartsWith("image-sync.registries.credentials-file: ", problem);
        Assert.DoesNotContain("hunter2", problem);
    }
}
