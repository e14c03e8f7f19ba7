using Akka.Actor;
namespace ImageSync.Actors;

public static class LogCommands
{
    /// <summary>Answered with <see cref="Flushed"/> once every line asked for before it is written.</summary>
    public sealed class Flush : INoSerializationVerificationNeeded
    {
        public static readonly Flush Instance = new();

        private Flush()
        {
        }
    }

    public sealed class Flushed : INoSerializationVerificationNeeded
    {
        public static readonly Flushed Instance = new();

        private Flushed()
        {
        }
    }
}
