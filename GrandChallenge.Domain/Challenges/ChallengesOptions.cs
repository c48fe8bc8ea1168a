using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Challenges;

/// <summary>Section <c>Challenges</c>.</summary>
public sealed class ChallengesOptions
{
    public const string SectionName = "Challenges";

    /// <summary>Accept every challenge request at once instead of waiting for a site admin (default off).</summary>
    public bool AutoAcceptRequests { get; set; }

    /// <summary>Largest logo or banner image, in bytes (default 2 MiB).</summary>
    [Range(1024, 64L << 20)]
    public long MaxImageBytes { get; set; } = 2L << 20;
}
