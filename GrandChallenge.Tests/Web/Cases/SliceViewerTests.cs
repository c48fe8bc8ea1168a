using Bunit;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Web.Features.Cases;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Cases;

[Trait("Category", "Unit")]
public sealed class SliceViewerTests : BunitContextBase
{
    private static readonly Guid ImageId = Guid.Parse("0193a3f6-0000-7000-8000-000000000001");

    public SliceViewerTests() => Render<MudPopoverProvider>();

    private IRenderedComponent<SliceViewer> RenderViewer(int? depth = 9, int? timepoints = null, double? center = 40, double? width = 400) =>
        Render<SliceViewer>(p => p
            .Add(c => c.ImageId, ImageId).Add(c => c.Width, 20).Add(c => c.Height, 10).Add(c => c.Depth, depth)
            .Add(c => c.Timepoints, timepoints).Add(c => c.WindowCenter, center).Add(c => c.WindowWidth, width));

    private static string Source(IRenderedComponent<SliceViewer> viewer) => viewer.Find("#slice-image").GetAttribute("src")!;

    [Fact]
    public void A_volume_opens_in_the_middle_of_its_axial_stack_with_its_own_window_and_the_wheel_scrolls_within_bounds()
    {
        var viewer = RenderViewer();
        Source(viewer).Should().Be($"/api/v1/cases/images/{ImageId}/slices/z/4.png?window_center=40&window_width=400");
        viewer.Find("#slice-position").TextContent.Should().Be("5 / 9");

        viewer.Find("#slice-image").TriggerEvent("onwheel", new WheelEventArgs { DeltaY = 100 });
        Source(viewer).Should().StartWith($"/api/v1/cases/images/{ImageId}/slices/z/5.png");
        for (var i = 0; i < 10; i++)
        {
            viewer.Find("#slice-image").TriggerEvent("onwheel", new WheelEventArgs { DeltaY = 100 });
        }

        Source(viewer).Should().StartWith($"/api/v1/cases/images/{ImageId}/slices/z/8.png", "the last slice is as far as it goes");
        viewer.Find("#slice-image").TriggerEvent("onwheel", new WheelEventArgs { DeltaY = -100 });
        Source(viewer).Should().StartWith($"/api/v1/cases/images/{ImageId}/slices/z/7.png");
    }

    [Fact]
    public void Another_axis_starts_in_its_own_middle_and_the_window_can_be_changed_and_reset()
    {
        var viewer = RenderViewer();
        viewer.FindAll("#slice-axis button").Single(b => b.TextContent.Contains("Sagittal")).Click();
        Source(viewer).Should().StartWith($"/api/v1/cases/images/{ImageId}/slices/x/10.png");

        viewer.Find("#slice-window-center").Change("100");
        viewer.Find("#slice-window-width").Change("50");
        Source(viewer).Should().EndWith("?window_center=100&window_width=50");
        viewer.Find("#slice-window-reset").Click();
        Source(viewer).Should().EndWith("?window_center=40&window_width=400");
    }

    [Fact]
    public void A_2d_image_shows_its_one_slice_without_axis_or_slider_and_without_a_window_the_server_chooses()
    {
        var viewer = RenderViewer(depth: null, center: null, width: null);
        Source(viewer).Should().Be($"/api/v1/cases/images/{ImageId}/slices/z/0.png");
        viewer.FindAll("#slice-axis").Should().BeEmpty();
        viewer.FindAll("#slice-index").Should().BeEmpty();
    }

    [Fact]
    public void A_4d_image_asks_for_the_chosen_timepoint()
    {
        var viewer = RenderViewer(timepoints: 3);
        viewer.Find("#slice-timepoint").Change("2");
        Source(viewer).Should().Contain("timepoint=2");
    }

    [Fact]
    public void Anisotropic_voxels_give_the_slice_its_physical_proportions_along_each_axis()
    {
        // 20 x 10 pixels of 0.5 x 2 mm, 9 slices 4 mm apart: axial 10 x 20 mm, coronal 10 x 36 mm, sagittal 20 x 36 mm.
        var viewer = Render<SliceViewer>(p => p
            .Add(c => c.ImageId, ImageId).Add(c => c.Width, 20).Add(c => c.Height, 10).Add(c => c.Depth, 9)
            .Add(c => c.SpacingX, 0.5).Add(c => c.SpacingY, 2.0).Add(c => c.SpacingZ, 4.0));
        string Style() => viewer.Find("#slice-image").GetAttribute("style")!;

        Style().Should().Contain("aspect-ratio: 0.5;").And.Contain("calc(70vh * 0.5)");
        viewer.FindAll("#slice-axis button").Single(b => b.TextContent.Contains("Coronal")).Click();
        Style().Should().Contain("aspect-ratio: 0.2778;");
        viewer.FindAll("#slice-axis button").Single(b => b.TextContent.Contains("Sagittal")).Click();
        Style().Should().Contain("aspect-ratio: 0.5556;");
    }

    [Fact]
    public void Without_spacing_pixels_are_square()
    {
        var viewer = RenderViewer();
        viewer.Find("#slice-image").GetAttribute("style").Should().Contain("aspect-ratio: 2;");
        viewer.FindAll("#slice-axis button").Single(b => b.TextContent.Contains("Sagittal")).Click();
        viewer.Find("#slice-image").GetAttribute("style").Should().Contain("aspect-ratio: 1.1111;");
    }
}
