using Microsoft.Extensions.Hosting;

namespace ImageSync.Cli;

/// <summary>
/// A host lifetime that ignores the console: image-sync handles SIGINT and SIGTERM itself, so a signal
/// stops the sync gracefully instead of tearing the actor system down under it.
/// </summary>
internal sealed class ManualLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
