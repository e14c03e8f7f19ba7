using System.Text.Json.Serialization;
using ImageSync.Domain;

namespace ImageSync.Nodes;

/// <summary>
/// One thing a node is asked to do, as data: a session runs it (<see cref="INodeSession.RunAsync{TAnswer}"/>), a wrapper
/// passes it on untouched, and in a cluster it travels to the replica that owns the node under the name given here.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "verb")]
[JsonDerivedType(typeof(Check), "check")]
[JsonDerivedType(typeof(ReadImageFs), "read-image-fs")]
[JsonDerivedType(typeof(ListImages), "list-images")]
[JsonDerivedType(typeof(Pull), "pull")]
[JsonDerivedType(typeof(SetPin), "set-pin")]
public abstract record NodeCommand
{
    /// <summary>Runs on <paramref name="session"/> when the answer's type is not known where it runs (a node's entity in a cluster).</summary>
    internal abstract Task<object> AnswerFrom(INodeSession session, CancellationToken cancellationToken);

    /// <summary>Runs <c>echo ok</c>, and in the same round trip reads the node's platform, identity and image filesystem.</summary>
    public sealed record Check : NodeCommand<NodeFacts>
    {
        public static readonly Check Instance = new();

        public override Task<NodeFacts> RunOn(INodeOperations node, CancellationToken cancellationToken) => node.CheckAsync(cancellationToken);
    }

    /// <summary>Runs <c>df</c> of the image filesystem again, to re-check the disk between pulls.</summary>
    public sealed record ReadImageFs(string Path) : NodeCommand<ImageFilesystem>
    {
        public override Task<ImageFilesystem> RunOn(INodeOperations node, CancellationToken cancellationToken) => node.ReadImageFsAsync(Path, cancellationToken);
    }

    /// <summary>Runs <c>crictl images -o json</c> and parses its answer.</summary>
    public sealed record ListImages : NodeCommand<NodeInventory>
    {
        public static readonly ListImages Instance = new();

        public override Task<NodeInventory> RunOn(INodeOperations node, CancellationToken cancellationToken) => node.ListImagesAsync(cancellationToken);
    }

    /// <summary>Runs <c>timeout --kill-after=K SECS crictl pull 'IMAGE'</c>.</summary>
    public sealed record Pull(ImageRef Image, TimeSpan Timeout) : NodeCommand<PullExit>
    {
        public override Task<PullExit> RunOn(INodeOperations node, CancellationToken cancellationToken) => node.PullAsync(Image, Timeout, cancellationToken);
    }

    /// <summary>Pins the image (<paramref name="Pin"/>) with containerd's <c>io.cri-containerd.pinned</c> label, or takes the pin off.</summary>
    public sealed record SetPin(ImageRef Image, bool Pin) : NodeCommand<PinAnswer>
    {
        public override Task<PinAnswer> RunOn(INodeOperations node, CancellationToken cancellationToken) => node.SetPinAsync(Image, Pin, cancellationToken);
    }

    /// <summary>
    /// Copies an image from the node that runs it to <paramref name="Target"/> (a session of the same transport). It
    /// names a session, so it never travels: in a cluster the target's owner runs the copy from the source's name.
    /// </summary>
    public sealed record CopyTo(ImageRef Image, INodeSession Target, CopyLimits Limits) : NodeCommand<CopyExit>
    {
        public override Task<CopyExit> RunOn(INodeOperations node, CancellationToken cancellationToken) =>
            node.CopyImageAsync(Image, Target, Limits, cancellationToken);

        public override NodeCommand<CopyExit> WithSessions(Func<INodeSession, INodeSession> map) => this with { Target = map(Target) };
    }
}

/// <typeparam name="TAnswer">What the node answers.</typeparam>
public abstract record NodeCommand<TAnswer> : NodeCommand
{
    /// <summary>Runs on a node's own implementation of the operations.</summary>
    public abstract Task<TAnswer> RunOn(INodeOperations node, CancellationToken cancellationToken);

    /// <summary>The same command with every session it names mapped: a wrapper hands its inner sessions on.</summary>
    public virtual NodeCommand<TAnswer> WithSessions(Func<INodeSession, INodeSession> map) => this;

    internal sealed override async Task<object> AnswerFrom(INodeSession session, CancellationToken cancellationToken) =>
        (await session.RunAsync(this, cancellationToken).ConfigureAwait(false))!;
}

/// <summary>
/// What a node implementation (SSH, the simulated fleet) does for each <see cref="NodeCommand"/>. Its methods may run
/// concurrently (SSH channels are multiplexed); every one of them honours its CancellationToken.
/// </summary>
public interface INodeOperations
{
    /// <returns>What the node told of itself; facts it could not tell are named in <see cref="NodeFacts.Missing"/>.</returns>
    /// <exception cref="NodeException">The node did not answer "ok".</exception>
    Task<NodeFacts> CheckAsync(CancellationToken cancellationToken);

    /// <exception cref="NodeException">df failed or printed something else.</exception>
    Task<ImageFilesystem> ReadImageFsAsync(string path, CancellationToken cancellationToken);

    /// <exception cref="NodeException">crictl failed, or printed something that is not its JSON.</exception>
    Task<NodeInventory> ListImagesAsync(CancellationToken cancellationToken);

    /// <returns>The remote exit code and the last line crictl wrote to stderr.</returns>
    /// <exception cref="NodeException">The command could not be run or the connection broke.</exception>
    Task<PullExit> PullAsync(ImageRef image, TimeSpan timeout, CancellationToken cancellationToken);

    /// <returns>What the node did; <see cref="PinAnswer.AlreadyPinned"/> means someone else had pinned it.</returns>
    /// <exception cref="NodeException">ctr is missing (a CRI-O node) or failed, or the connection broke.</exception>
    Task<PinAnswer> SetPinAsync(ImageRef image, bool pin, CancellationToken cancellationToken);

    /// <summary>
    /// This node's <c>ctr images export</c> streamed into the target's <c>ctr images import</c>, through image-sync,
    /// with a fixed buffer. Nothing is written on either node but the imported image.
    /// </summary>
    /// <returns>How it ended; a failure names the side that failed.</returns>
    Task<CopyExit> CopyImageAsync(ImageRef image, INodeSession target, CopyLimits limits, CancellationToken cancellationToken);
}
