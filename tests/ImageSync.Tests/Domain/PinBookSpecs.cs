using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

/// <summary>Which pins and unpins a node needs, and what image-sync records of whose pin is whose.</summary>
public sealed class PinBookSpecs
{
    private static readonly NodeName W1 = NodeName.Parse("w1");
    private static readonly ImageRef Api = TestData.Image("api:1");
    private static readonly ImageRef Web = TestData.Image("web:1");
    private static readonly ImageFilter Team = new(["registry.example.com/team/"], []);

    [Fact]
    public void Should_pin_a_declared_image_the_node_holds_and_nothing_it_lacks()
    {
        var (work, found) = Reconcile(holds: [Api], pinned: [], records: [], Scope(pin: [Api, Web]));

        Assert.Equal([new PinWork(W1, Api, Pin: true)], work);
        Assert.Empty(found);
    }

    [Fact]
    public void Should_record_a_pin_the_runtime_lists_as_someone_else_s_without_asking_the_node()
    {
        var (work, found) = Reconcile(holds: [Api], pinned: [Api], records: [], Scope(pin: [Api]));

        Assert.Empty(work);
        Assert.Equal(new PinChange(W1, Api, PinOwner.Operator, "pinned already, not by image-sync"), Assert.Single(found));
    }

    [Fact]
    public void Should_ask_nothing_for_a_declared_image_whose_pin_is_recorded_already()
    {
        var (work, found) = Reconcile(holds: [Api], pinned: [], records: new() { [Api] = PinOwner.ImageSync }, Scope(pin: [Api]));

        Assert.Empty(work);
        Assert.Empty(found);
    }

    [Fact]
    public void Should_take_off_only_its_own_pins_when_images_are_no_longer_declared_with_pin_on()
    {
        var records = new Dictionary<ImageRef, PinOwner> { [Api] = PinOwner.ImageSync, [Web] = PinOwner.Operator };

        var (work, found) = Reconcile(holds: [Api, Web], pinned: [Web], records, Scope(pin: []));

        Assert.Equal([new PinWork(W1, Api, Pin: false)], work);
        Assert.Equal(new PinChange(W1, Web, null, "no longer declared with pin = on; its pin is not image-sync's and stays"), Assert.Single(found));
    }

    [Fact]
    public void Should_leave_the_pins_of_images_a_scoped_run_does_not_touch()
    {
        var onlyWeb = Scope(pin: []) with { OnlyImages = new HashSet<ImageRef> { Web } };

        var (work, found) = Reconcile(holds: [Api], pinned: [], records: new() { [Api] = PinOwner.ImageSync }, onlyWeb);

        Assert.Empty(work);
        Assert.Empty(found);
    }

    [Theory]
    [InlineData(true, PinAnswer.Pinned, PinOwner.ImageSync)]
    [InlineData(true, PinAnswer.AlreadyPinned, PinOwner.Operator)]
    [InlineData(false, PinAnswer.Unpinned, null)]
    [InlineData(false, PinAnswer.NotPinned, null)]
    [InlineData(true, PinAnswer.Absent, null)]
    public void Should_record_whose_pin_it_is_from_the_node_s_answer(bool pin, PinAnswer answer, PinOwner? owner)
    {
        Assert.Equal(owner, PinBook.Answered(new PinWork(W1, Api, pin), answer).By);
    }

    [Fact]
    public void Should_report_each_declared_recorded_or_runtime_pinned_image_with_who_pinned_it()
    {
        var inventory = new NodeInventory(W1, [Image(Api, pinned: false), Image(Web, pinned: true), Image(ImageRef.Parse("registry.k8s.io/pause:3.10"), pinned: true)], []);
        var ledger = new PinLedger(Scope(pin: [Api, TestData.Image("db:1")]), Team,
            new Dictionary<NodeName, IReadOnlyDictionary<ImageRef, PinOwner>> { [W1] = new Dictionary<ImageRef, PinOwner> { [Api] = PinOwner.ImageSync } });

        var report = ledger.Report([inventory], []);

        Assert.Equal([(Api, (PinOwner?)PinOwner.ImageSync, true, 100L), (TestData.Image("db:1"), null, true, 0L), (Web, PinOwner.Operator, false, 100L)],
            report.States.Select(s => (s.Image, s.By, s.Declared, s.SizeBytes)));
        Assert.Equal((2, 1), report.CountOn(W1));
        // Every pinned image holds its bytes, the runtime's own pause image too, though the report leaves it out.
        Assert.Equal(300, ledger.PinnedBytes(inventory));
    }

    private static (IReadOnlyList<PinWork>, IReadOnlyList<PinChange>) Reconcile(ImageRef[] holds, ImageRef[] pinned, Dictionary<ImageRef, PinOwner> records, PlanScope scope) =>
        PinBook.Reconcile(W1, holds.ToHashSet(), pinned.ToHashSet(), records, scope);

    private static PlanScope Scope(ImageRef[] pin) =>
        PlanScope.Resolve([.. new[] { Api, Web, TestData.Image("db:1") }.Select(i => new WantedImage(i, NodeSelection.All, pin.Contains(i)))], RunScope.Everything,
            [new NodeSpec(W1, "10.0.0.1", 22, "root")]);

    private static NodeImage Image(ImageRef image, bool pinned) => new("sha256:" + image.GetHashCode(), [image], [], 100, pinned);
}
