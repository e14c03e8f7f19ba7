namespace ImageSync.IntegrationTests;

/// <summary>
/// Tests that time a process (how fast pulls start, how fast a refused run exits) run with no other test
/// class beside them, so that the machine's other work does not distort their clocks.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneOnTheMachine
{
    public const string Name = "alone on the machine";
}
