using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes.Ssh;

namespace ImageSync.Nodes.Simulated;

/// <summary>Sessions to a <see cref="SimulatedFleet"/>, with each node's faults applied where a real node would show them.</summary>
public sealed class SimulatedTransport(SimulatedFleet fleet, InventoryLimits? limits = null) : INodeTransport
{
    private readonly InventoryLimits _limits = limits ?? InventoryLimits.Default;
    private readonly ImageInterner _interner = new();

    public async Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        var simulated = fleet.Node(node.Name);
        switch (simulated.Settings.Faults.Connect)
        {
            case ConnectFault.Refused:
                throw new NodeException(node.Name, $"connection refused by {node.Host}:{node.Port} (is sshd running?)");
            case ConnectFault.AuthRejected:
                throw new AuthenticationFailedException(node.Name, $"authentication failed for user '{node.User}' with key (simulated)");
            case ConnectFault.HostKeyMismatch:
                throw new HostKeyRejectedException(node.Name, $"host key verification failed: the key of {node.Host} has CHANGED: "
                    + "expected SHA256:c2ltdWxhdGVkLWV4cGVjdGVkLWtleQ, offered SHA256:c2ltdWxhdGVkLW9mZmVyZWQta2V5");
            case ConnectFault.Hang:
                await Hang(cancellationToken);
                break;
        }
        fleet.Connected(simulated);
        return new Session(fleet, simulated, _limits, _interner);
    }

    private Task Hang(CancellationToken cancellationToken) => Task.Delay(Timeout.InfiniteTimeSpan, fleet.Clock, cancellationToken);

    private sealed class Session(SimulatedFleet fleet, SimulatedNode node, InventoryLimits limits, ImageInterner interner) : INodeSession, INodeOperations
    {
        public NodeName Node => node.Name;

        public Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken) => command.RunOn(this, cancellationToken);

        public async Task<NodeFacts> CheckAsync(CancellationToken cancellationToken)
        {
            switch (node.Settings.Faults.Check)
            {
                case CheckFault.Hang:
                    await Task.Delay(Timeout.InfiniteTimeSpan, fleet.Clock, cancellationToken);
                    break;
                case CheckFault.Fail:
                    throw new NodeException(node.Name, $"`{RemoteCommands.Check}` answered nothing with exit code 255");
            }
            return fleet.Facts(node);
        }

        public Task<ImageFilesystem> ReadImageFsAsync(string path, CancellationToken cancellationToken) =>
            node.ImageFs() is { } imageFs
                ? Task.FromResult(imageFs)
                : Task.FromException<ImageFilesystem>(new NodeException(node.Name, $"`{RemoteCommands.Df(path)}` exited with code 1"));

        public async Task<NodeInventory> ListImagesAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            switch (node.Settings.Faults.Inventory)
            {
                case InventoryFault.Hang:
                    await Task.Delay(Timeout.InfiniteTimeSpan, fleet.Clock, cancellationToken);
                    break;
                case InventoryFault.Fail:
                    throw new NodeException(node.Name, "`crictl images -o json` exited with code 1: time=\"…\" level=fatal msg=\"validate service connection: rpc error: code = Unavailable\"");
                case InventoryFault.Malformed:
                    var whole = node.CrictlImagesJson();
                    return CrictlImagesJson.Parse(node.Name, whole.AsMemory(0, whole.Length / 2));
            }
            var json = node.CrictlImagesJson();
            if (json.Length > limits.MaxBytes)
                throw new NodeException(node.Name, $"`crictl images -o json` printed more than {Sizes.Show(limits.MaxBytes)}; its output was refused");
            var inventory = CrictlImagesJson.Parse(node.Name, json, limits.MaxImages, interner);
            if (node.Settings.Faults.UnreachableAfterInventory) node.Gone = true;
            return inventory;
        }

        public Task<PullExit> PullAsync(ImageRef image, TimeSpan timeout, CancellationToken cancellationToken) =>
            fleet.PullAsync(node, image, timeout, cancellationToken);

        /// <summary>ctr's label of the image, as the node helper sets it; a node without ctr (CRI-O) cannot.</summary>
        public async Task<PinAnswer> SetPinAsync(ImageRef image, bool pin, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return node.Settings.Faults.NoCtr
                ? throw new NodeException(node.Name, $"`{NodeHelperScript.Name} {(pin ? "pin" : "unpin")} '{image}'` exited with code 127: {SimulatedFleet.NoCtr(node.Name)}")
                : node.Pin(image, pin);
        }

        public Task<CopyExit> CopyImageAsync(ImageRef image, INodeSession target, CopyLimits limits, CancellationToken cancellationToken) =>
            fleet.CopyAsync(node, ((Session)target).SimulatedNode, image, limits.ImageId, cancellationToken);

        private SimulatedNode SimulatedNode => node;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
