namespace GrandChallenge.Web.Components.Shared;

public static class ThemeCookie
{
    public const string Name = "gc-theme";
}

/// <summary>The theme the page was first rendered with (from the cookie); the layout owns changes after that.</summary>
public sealed record ThemeState(bool DarkMode);
