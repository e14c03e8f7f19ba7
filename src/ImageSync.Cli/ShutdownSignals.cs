using System.Runtime.InteropServices;

namespace ImageSync.Cli;

/// <summary>
/// SIGINT and SIGTERM: the first one asks for a graceful stop and remembers which signal it was (for the
/// exit code); a second one is left to the default handler, so an impatient operator can still kill it.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Action<string> _stop;
    private int _received;

    public ShutdownSignals(Action<string> stop)
    {
        _stop = stop;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>130 after SIGINT, 143 after SIGTERM, null when no signal came.</summary>
    public int? ExitCode { get; private set; }

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _received) > 1) return;
        context.Cancel = true;
        var name = context.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
        ExitCode = context.Signal == PosixSignal.SIGINT ? ExitCodes.Interrupted : ExitCodes.Terminated;
        _stop($"{name} received");
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
