using Bunit;
using GrandChallenge.Web.Components.Shared;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class ResumableUploadTests : BunitContextBase
{
    private const long MiB = 1 << 20;
    private readonly BunitJSModuleInterop _module;

    public ResumableUploadTests() => _module = JSInterop.SetupModule("./js/resumable-upload.js");

    [Fact]
    public void The_picker_is_handed_to_the_upload_module_with_the_part_size()
    {
        var cut = Render<ResumableUpload>(p => p.Add(c => c.Id, "up").Add(c => c.PartSizeMiB, 4));

        var attach = _module.VerifyInvoke("attach");
        attach.Arguments[2]!.GetType().GetProperty("partSize")!.GetValue(attach.Arguments[2]).Should().Be((int)(4 * MiB));
        attach.Arguments[2]!.GetType().GetProperty("maxBytes")!.GetValue(attach.Arguments[2]).Should().BeNull("no limit but the server's unless a feature sets one");
        cut.Find("#up-input").GetAttribute("type").Should().Be("file");
        cut.Find("label[for='up-input']").TextContent.Trim().Should().Be("Choose a file");
        cut.FindAll("#up-bar").Should().BeEmpty("no progress is shown before a file is picked");
    }

    [Fact]
    public async Task Progress_shows_percentage_bytes_speed_and_retry_status()
    {
        var cut = Render<ResumableUpload>(p => p.Add(c => c.Id, "up"));

        await cut.Instance.ReportStarted("scan.mha", 20 * MiB);
        await cut.Instance.ReportProgress(5 * MiB, 20 * MiB, 2 * MiB);
        await cut.Instance.ReportStatus("Part 2 failed (The connection to the server was lost.); retrying…");

        cut.Find("#up-file").TextContent.Should().Be("scan.mha");
        cut.Find("#up-percent").TextContent.Should().Be("25%");
        cut.Find("#up-bytes").TextContent.Should().Be("5 MiB of 20 MiB");
        cut.Find("#up-speed").TextContent.Should().Be("2 MiB/s");
        cut.Find("#up-status").TextContent.Should().Contain("retrying");
        cut.Find("#up-input").HasAttribute("disabled").Should().BeTrue("a second file waits until this one is done");
        cut.Find("#up-cancel").Click();
        _module.VerifyInvoke("cancel");
    }

    [Fact]
    public async Task Completion_shows_100_percent_and_raises_OnCompleted_with_the_upload_id()
    {
        var completed = Guid.Empty;
        var id = Guid.NewGuid();
        var cut = Render<ResumableUpload>(p => p.Add(c => c.Id, "up").Add(c => c.OnCompleted, (Guid value) => completed = value));

        await cut.Instance.ReportStarted("scan.mha", 3 * MiB);
        await cut.Instance.ReportProgress(2 * MiB, 3 * MiB, 0);
        await cut.Instance.ReportCompleted(id.ToString());

        completed.Should().Be(id);
        cut.Find("#up-percent").TextContent.Should().Be("100%");
        cut.Find("#up-done").TextContent.Should().Contain("scan.mha was uploaded.");
        cut.FindAll("#up-cancel").Should().BeEmpty();
        cut.Find("#up-input").HasAttribute("disabled").Should().BeFalse();
    }

    [Fact]
    public async Task A_failure_shows_the_servers_message()
    {
        var cut = Render<ResumableUpload>(p => p.Add(c => c.Id, "up"));

        await cut.Instance.ReportStarted("big.tar", 10 * MiB);
        await cut.Instance.ReportError("Upload limit reached: your uploads may hold at most 50 GiB in all.");

        cut.Find("#up-error").TextContent.Should().Contain("Upload limit reached");
        cut.FindAll("#up-done").Should().BeEmpty();
        cut.Find("#up-input").HasAttribute("disabled").Should().BeFalse("another file may be picked");
    }
}
