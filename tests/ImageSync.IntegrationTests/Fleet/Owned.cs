namespace ImageSync.IntegrationTests.Fleet;

/// <summary>What a spec made and must dispose of when it ends, disposed in the reverse order of making.</summary>
public sealed class Owned : IDisposable
{
    private readonly List<IDisposable> _items = [];

    public T Add<T>(T item) where T : IDisposable
    {
        _items.Add(item);
        return item;
    }

    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(_items)) item.Dispose();
    }
}
