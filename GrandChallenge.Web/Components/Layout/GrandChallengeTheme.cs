using MudBlazor;

namespace GrandChallenge.Web.Components.Layout;

public static class GrandChallengeTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1f5fa8", Secondary = "#00897b", AppbarBackground = "#1f5fa8" },
        PaletteDark = new PaletteDark { Primary = "#64a7f0", Secondary = "#4db6ac" },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"] },
        },
    };
}
