using System.Globalization;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>A phase's submission window and quota.</summary>
/// <param name="LimitPerPeriod">Submissions per participant per period; 0 closes the phase.</param>
/// <param name="PeriodDays">Length of the rolling period in days (at least 1); null counts over all time.</param>
/// <param name="OpensAt">No submissions before this; null = no lower bound.</param>
/// <param name="ClosesAt">No submissions from this on; null = no upper bound.</param>
/// <param name="IsPublic">A hidden phase is closed to participants.</param>
public sealed record SubmissionLimitRules(int LimitPerPeriod, int? PeriodDays, DateTimeOffset? OpensAt, DateTimeOffset? ClosesAt, bool IsPublic);

/// <summary>One earlier submission of the same participant to the same phase.</summary>
/// <param name="HasFailedEvaluation">A submission with a Failed evaluation gives its quota back; a cancelled one does not.</param>
public sealed record PreviousSubmission(DateTimeOffset Created, bool HasFailedEvaluation);

/// <summary>Whether a participant may submit now, and if not, why and when they may.</summary>
/// <param name="IsOpen">The phase itself is open for submissions (public, limit above 0, inside its window).</param>
/// <param name="Remaining">Submissions left in the current period; null when the actor is not limited (challenge admins).</param>
/// <param name="NextSubmissionAt">The earliest time a submission is possible (now if it is possible now); null = never.</param>
/// <param name="Reason">Why the actor cannot submit now, for the user; null when they can.</param>
public sealed record SubmissionAllowance(bool CanSubmit, bool IsOpen, int? Remaining, DateTimeOffset? NextSubmissionAt, string? Reason);

/// <summary>
/// grand-challenge.org's submission quota (reference §2.8): within a rolling period ending now, a participant may have
/// at most the phase's limit of submissions that have no Failed evaluation; once that is used up the next one is
/// possible when the limit-th most recent of them leaves the period. Challenge admins are held to neither window nor
/// quota. The one-active-evaluation rule and the compute budget are checked elsewhere.
/// </summary>
public static class SubmissionLimits
{
    public static SubmissionAllowance Calculate(
        SubmissionLimitRules rules,
        bool isChallengeAdmin,
        IEnumerable<PreviousSubmission> previous,
        TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(clock);
        if (rules.PeriodDays is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rules), rules.PeriodDays, "The submission period is at least one day.");
        }

        var now = clock.GetUtcNow();
        var notYetOpen = rules.OpensAt is { } opensAt && now < opensAt;
        var closed = rules.ClosesAt is { } closesAt && now >= closesAt;
        var isOpen = rules.IsPublic && rules.LimitPerPeriod > 0 && !notYetOpen && !closed;

        if (isChallengeAdmin)
        {
            return new SubmissionAllowance(true, isOpen, null, now, null);
        }

        if (!isOpen)
        {
            if (!rules.IsPublic || rules.LimitPerPeriod <= 0)
            {
                return Refused(isOpen: false, null, "The phase is closed for submissions.");
            }

            return notYetOpen
                ? Refused(isOpen: false, rules.OpensAt, $"The phase opens for submissions at {Format(rules.OpensAt!.Value)}.")
                : Refused(isOpen: false, null, $"The phase closed for submissions at {Format(rules.ClosesAt!.Value)}.");
        }

        var period = rules.PeriodDays is { } days ? TimeSpan.FromDays(days) : (TimeSpan?)null;
        // Strictly after the start, so a submission stops counting at exactly created + period: the moment
        // NextSubmissionAt promises (grand-challenge.org still counts it at that instant).
        var windowStart = now - period;
        var counted = previous
            .Where(s => !s.HasFailedEvaluation && (windowStart is null || s.Created > windowStart))
            .Select(s => s.Created)
            .OrderDescending()
            .ToList();

        var limit = rules.LimitPerPeriod;
        var remaining = Math.Max(0, limit - counted.Count);
        if (remaining > 0)
        {
            return new SubmissionAllowance(true, true, remaining, now, null);
        }

        var used = limit == 1 ? "your 1 submission" : $"all {limit} submissions";
        if (period is null)
        {
            return Refused(isOpen: true, null, $"You have used {used} for this phase.");
        }

        var next = counted[limit - 1] + period.Value;
        var during = $"You have used {used} for this {rules.PeriodDays}-day period";
        // grand-challenge.org would still name a time after the phase has closed.
        return rules.ClosesAt is { } close && next >= close
            ? Refused(isOpen: true, null, $"{during}, and the phase closes at {Format(close)}, before another one is possible.")
            : Refused(isOpen: true, next, $"{during}; the next one is possible at {Format(next)}.");
    }

    private static SubmissionAllowance Refused(bool isOpen, DateTimeOffset? next, string reason) =>
        new(false, isOpen, 0, next, reason);

    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
