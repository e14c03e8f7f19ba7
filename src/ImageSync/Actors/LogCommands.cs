namespace ImageSync.Actors;

public static class LogCommands
{
    /// <summary>Answered with <see cref="Flushed"/> once every line asked for before it is written.</summary>
    public sealed class Flush
    {
        public static readonly Flush Instance = new();

        private Flush()
        {
        }
    }

    public sealed class Flushed
    {
        public static readonly Flushed Instance = new();

        private Flushed()
        {
        }
    }
}
