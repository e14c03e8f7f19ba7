using ImageSync.Importing;

namespace ImageSync.Tests.Importing;

/// <summary>What the converter refuses in a bash tool's config, each problem named with its line and reason.</summary>
public sealed class LegacyConfigProblemSpecs
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nNODE3 = c", "line 4: not a KEY=VALUE assignment: NODE3 = c" },
        { "NODE1=a\nNODE2=b\nPREFIX=\"x/", "line 3: PREFIX: the double quote is never closed" },
        { "NODE1=a\nNODE2=b\nPREFIX='x/", "line 3: PREFIX: the single quote is never closed" },
        { "NODE1=$(hostname)\nNODE2=b\nPREFIX=x/", "line 1: NODE1: runs a command ($(...) or backticks)" },
        { "NODE1=`hostname`\nNODE2=b\nPREFIX=x/", "line 1: NODE1: runs a command" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/; rm -rf /", "line 3: PREFIX: holds the shell operator ';'" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/ y/", "line 3: PREFIX: more than one word after '=' (y/); quote the value" },
        { "NODE1=$WORKER\nNODE2=b\nPREFIX=x/", "line 1: NODE1: refers to $WORKER, which this file does not set" },
        { "NODE1=${WORKER:-a}\nNODE2=b\nPREFIX=x/", "line 1: NODE1: uses the shell expansion ${…" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nSSH_PORT=ssh", "line 4: SSH_PORT: 'ssh' is not a whole number" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nMAX_PARALLEL=-1", "line 4: MAX_PARALLEL: '-1' is not a whole number" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nTIME_OUT=5 minutes", "line 4: TIME_OUT: more than one word" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nTIME_OUT=5min", "line 4: TIME_OUT: '5min' is not a duration as `timeout` reads it" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nTIME_OUT=0", "line 4: TIME_OUT: 0 let a pull run forever" },
        { "PREFIX=x/", "no NODE1, NODE2, …: there are no nodes to sync" },
        { "NODE1=a\nNODE2=b", "PREFIX is not set" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nSSH_PORT=70000", "the converted config does not load: image-sync.ssh.port" },
        { "NODE1=a\nNODE2='b;c'\nPREFIX=x/", "line 2: NODE2: 'b;c' is not a host name or IP address (write host, user@host, host:port" },
        { "NODE1=a\nNODE2=root@b:ssh\nPREFIX=x/", "line 2: NODE2: 'ssh' is not a port from 1 to 65535" },
        { "NODE1=a\nNODE2='root;id@b'\nPREFIX=x/", "line 2: NODE2: 'root;id' is not a valid login name" },
        { "NODE1=a\nNODE2=[10.0.0.1]:22\nPREFIX=x/", "line 2: NODE2: '10.0.0.1' in brackets is not an IPv6 address" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nSSH_OPTS='-o ConnectTimeout=soon'", "line 4: SSH_OPTS: 'soon' is not a whole number" },
        { "NODE1=a\nNODE2=b\nPREFIX=x/\nUSE_SUDO=maybe", "line 4: USE_SUDO: 'maybe' is not yes or no" },
        { "NODE1=a\nNODE2=a\nPREFIX=x/", "the converted config does not load: image-sync.nodes[1]" },
        { "\0\u0001binary", "line 1: not a KEY=VALUE assignment" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Should_refuse_what_it_cannot_convert_naming_the_line_and_the_reason(string text, string problem)
    {
        var conversion = LegacyConfig.Convert(text, "old.conf");

        Assert.Null(conversion.Hocon);
        Assert.Contains(conversion.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_report_every_problem_at_once()
    {
        var conversion = LegacyConfig.Convert("NODE1=$(hostname)\nSSH_PORT=x\nTIME_OUT=soon\n", "old.conf");

        Assert.Equal(5, conversion.Problems.Count);
    }
}
