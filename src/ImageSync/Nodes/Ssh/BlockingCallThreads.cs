namespace ImageSync.Nodes.Ssh;

/// <summary>
/// Threads of image-sync's own for the calls SSH.NET makes wait on the network: connect (handshake and
/// login), opening a channel and starting its command, reading a command's output, cancelling, closing and
/// disconnecting. On the .NET thread pool those waits would starve the actor system and every other SSH
/// call on a small host, since the pool adds threads only a couple a second. Here a call never waits for a
/// thread: one is started whenever every existing one is busy, so the count follows the work in flight
/// (connects are bounded by <c>ssh.max-connecting</c>, commands by <c>pull.max-parallel</c> and the node
/// count), and a thread left idle for <see cref="IdleLifetime"/> ends.
/// </summary>
internal sealed class BlockingCallThreads
{
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);
    private readonly object _gate = new();
    private readonly Queue<Action> _calls = new();
    private readonly string _name;
    private int _waiting;

    public BlockingCallThreads(string name) => _name = name;

    /// <summary>Runs a blocking call; the task completes on the thread pool, never on these threads.</summary>
    public Task<T> Run<T>(Func<T> call)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                result.SetResult(call());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        return result.Task;
    }

    public Task Run(Action call) => Run(() =>
    {
        call();
        return true;
    });

    /// <summary>Runs a call nobody waits for (closing, disconnecting); what it throws is of no use to anyone.</summary>
    public void Forget(Action call) => Post(() =>
    {
        try
        {
            call();
        }
        catch
        {
            // The channel or connection is being thrown away; a failure to close it politely changes nothing.
        }
    });

    private void Post(Action call)
    {
        lock (_gate)
        {
            _calls.Enqueue(call);
            // A waiting thread counts until it has taken a call, so each queued call has its own thread.
            if (_calls.Count <= _waiting)
            {
                Monitor.Pulse(_gate);
                return;
            }
        }
        new Thread(Serve) { IsBackground = true, Name = _name }.Start();
    }

    private void Serve()
    {
        while (true)
        {
            Action call;
            lock (_gate)
            {
                while (_calls.Count == 0)
                {
                    _waiting++;
                    var woken = Monitor.Wait(_gate, IdleLifetime);
                    _waiting--;
                    if (!woken && _calls.Count == 0) return;
                }
                call = _calls.Dequeue();
            }
            call();
        }
    }
}
