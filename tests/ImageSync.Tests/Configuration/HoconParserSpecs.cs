using ImageSync.Configuration;

namespace ImageSync.Tests.Configuration;

public sealed class HoconParserSpecs
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Should_read_objects_lists_and_every_kind_of_string()
    {
        var root = Parse(""""
            # comment
            a {
              plain = hello world   // trailing comment
              quoted = "x:y, {z}"
              triple = """multi
            line"""
              list = [ 1, "two"
                       three ]
              nested.deeper.key = 5
              objects = [ { name = w1 }, { name = w2, port = 2222 } ]
            }
            b : true, c = 10m
            """");

        Assert.Equal("hello world", Text(root, "a.plain"));
        Assert.Equal("x:y, {z}", Text(root, "a.quoted"));
        Assert.Equal("multi\nline", Text(root, "a.triple"));
        Assert.Equal(["1", "two", "three"], ((HoconList)root.Find("a.list")!).Items.Cast<HoconScalar>().Select(s => s.Text));
        Assert.Equal("5", Text(root, "a.nested.deeper.key"));
        Assert.Equal("2222", Text(((HoconObject)((HoconList)root.Find("a.objects")!).Items[1]), "port"));
        Assert.Equal("true", Text(root, "b"));
        Assert.Equal("10m", Text(root, "c"));
    }

    [Fact]
    public void Should_merge_objects_and_let_later_values_win()
    {
        var root = Parse("a { x = 1, y = 2 }\na { y = 3 }\na.z = 4\nv = 1\nv = 2");

        Assert.Equal("1", Text(root, "a.x"));
        Assert.Equal("3", Text(root, "a.y"));
        Assert.Equal("4", Text(root, "a.z"));
        Assert.Equal("2", Text(root, "v"));
    }

    [Fact]
    public void Should_substitute_environment_variables_and_leave_the_key_alone_when_an_optional_one_is_unset()
    {
        var environment = new Dictionary<string, string> { ["USER_NAME"] = "ops" };

        var root = HoconParser.Parse("user = root\nuser = ${?USER_NAME}\nport = 22\nport = ${?UNSET_PORT}\nhome = \"/home/\"${USER_NAME}", "t.conf", environment.GetValueOrDefault);

        Assert.Equal("ops", Text(root, "user"));
        Assert.Equal("22", Text(root, "port"));
        Assert.Equal("/home/ops", Text(root, "home"));
    }

    [Theory]
    [InlineData("a { b = [ }", "1:11", "unexpected '}' where a value should start")]
    [InlineData("a { b = [ 1, 2 ", "1:9", "never closed")]
    [InlineData("a { b = 1 ", "1:3", "never closed")]
    [InlineData("a { b = \"x }", "1:9", "string is never closed")]
    [InlineData("a = { b = }", "1:11", "value")]
    [InlineData("a { b = ] }", "1:9", "value")]
    [InlineData("a [ b ]", "1:3", "expected '=', ':' or '{'")]
    [InlineData("a { b = 1 } }", "1:13", "expected a new line or ','")]
    [InlineData("a.b = ${c.d}", "1:7", "environment variable")]
    [InlineData("a = ${NOT_SET}", "1:5", "NOT_SET is not set")]
    [InlineData("a = x:y", "1:6", "put the value in double quotes")]
    [InlineData("a = \"\"\"abc", "1:5", "never closed")]
    [InlineData("a {", "1:3", "never closed")]
    [InlineData("}", "1:1", "where a key should start")]
    [InlineData("a = 1 b = 2", "1:9", "'=' cannot appear")]
    [InlineData("a += [1]", "1:3", "'+='")]
    [InlineData("a = \"\\q\"", "1:8", "unknown escape")]
    [InlineData("include nope.conf", "1:9", "include needs a quoted file name")]
    public void Should_report_file_line_and_column_when_the_text_is_malformed(string text, string position, string problem)
    {
        var error = Assert.Throws<HoconException>(() => HoconParser.Parse(text, "bad.conf", NoEnvironment));

        Assert.StartsWith($"bad.conf:{position}:", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Should_read_an_included_file_relative_to_the_including_one()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(dir, "base.conf"), "a { x = 1, y = 1 }");
        File.WriteAllText(Path.Combine(dir, "main.conf"), "include \"base.conf\"\na.y = 2");

        var root = HoconParser.ParseFile(Path.Combine(dir, "main.conf"), NoEnvironment);

        Assert.Equal("1", Text(root, "a.x"));
        Assert.Equal("2", Text(root, "a.y"));
    }

    [Fact]
    public void Should_stop_with_an_error_when_includes_form_a_cycle()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(dir, "loop.conf"), "include \"loop.conf\"");

        var error = Assert.Throws<HoconException>(() => HoconParser.ParseFile(Path.Combine(dir, "loop.conf"), NoEnvironment));

        Assert.Contains("cycle", error.Message);
    }

    private static HoconObject Parse(string text) => HoconParser.Parse(text, "t.conf", NoEnvironment);

    private static string Text(HoconObject root, string path) => ((HoconScalar)root.Find(path)!).Text;
}
