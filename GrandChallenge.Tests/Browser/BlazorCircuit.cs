using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GrandChallenge.Tests.Browser;

public static class BlazorCircuit
{
    /// <summary>
    /// Waits until the page's Blazor circuit answers: the theme button's tooltip opens only once the server handles the
    /// hover. Typing or clicking before that can be lost.
    /// </summary>
    public static async Task WaitAsync(IPage page, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var toggle = page.Locator("#theme-toggle");
        var tooltip = page.Locator(".mud-popover-open", new() { HasText = "theme" });
        var started = DateTime.UtcNow;
        while (true)
        {
            await toggle.HoverAsync();
            try
            {
                await tooltip.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 500 });
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow - started < limit)
            {
                await page.Mouse.MoveAsync(0, 0);
            }
        }

        await page.Mouse.MoveAsync(0, 0);
        await Expect(tooltip).ToHaveCountAsync(0);
    }
}
