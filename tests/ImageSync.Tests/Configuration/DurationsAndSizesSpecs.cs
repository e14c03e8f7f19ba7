
namespace ImageSync.Tests.Configuration;

public sealed class DurationsAndSizesSpecs
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5 seconds", 1_500)]
    [InlineData("10m", 600_000)]
    [InlineData("2 minutes", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    public void Should_read_a_duration_with_its_unit(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("600")]
    [InlineData("10 fortnights")]
    [InlineData("-5s")]
    [InlineData("")]
    [InlineData("1e9d")]
    public void Should_refuse_a_duration_without_a_known_unit(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData(300, "0.3s")]
    [InlineData(12_740, "12.7s")]
    [InlineData(5_200, "5.2s")]
    [InlineData(185_000, "185.0s")]
    public void Should_show_a_measured_time_in_seconds_with_one_decimal_whatever_its_length(double milliseconds, string shown)
    {
        Assert.Equal(shown, Durations.Elapsed(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("4 GiB", 4L << 30)]
    public void Should_read_a_size_in_binary_units(string text, long bytes)
    {
        Assert.True(Sizes.TryParse(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("64MB")]
    [InlineData("1.5MiB")]
    [InlineData("-1")]
    [InlineData("99999999999999999999GiB")]
    public void Should_refuse_a_size_it_cannot_read_exactly(string text) => Assert.False(Sizes.TryParse(text, out _));

    [Theory]
    [InlineData(90_000, "90s")]
    [InlineData(600_000, "10m")]
    [InlineData(1_500, "1500ms")]
    public void Should_show_a_duration_the_way_a_config_writes_it(double milliseconds, string shown) =>
        Assert.Equal(shown, Durations.Show(TimeSpan.FromMilliseconds(milliseconds)));
}
