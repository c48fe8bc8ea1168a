using GrandChallenge.Domain.Evaluations;
using Microsoft.Extensions.Time.Testing;

namespace GrandChallenge.Tests.Domain.Evaluations;

[Trait("Category", "Unit")]
public sealed class SubmissionLimitsTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly List<PreviousSubmission> _previous = [];

    private static SubmissionLimitRules Rules(
        int limit = 3, int? periodDays = 1, DateTimeOffset? opensAt = null, DateTimeOffset? closesAt = null, bool isPublic = true) =>
        new(limit, periodDays, opensAt, closesAt, isPublic);

    private void Submitted(TimeSpan ago, bool failed = false) =>
        _previous.Add(new PreviousSubmission(_clock.GetUtcNow() - ago, failed));

    private SubmissionAllowance Calculate(SubmissionLimitRules rules, bool isAdmin = false) =>
        SubmissionLimits.Calculate(rules, isAdmin, _previous, _clock);

    [Fact]
    public void An_open_phase_without_submissions_allows_the_whole_limit_now()
    {
        var allowance = Calculate(Rules(limit: 3));

        allowance.Should().Be(new SubmissionAllowance(true, true, 3, Now, null));
    }

    [Fact]
    public void Submissions_inside_the_rolling_period_count()
    {
        Submitted(TimeSpan.FromHours(23));
        Submitted(TimeSpan.FromHours(30));
        Submitted(TimeSpan.FromDays(8));

        Calculate(Rules(limit: 3, periodDays: 1)).Remaining.Should().Be(2);
        Calculate(Rules(limit: 3, periodDays: 2)).Remaining.Should().Be(1);
        Calculate(Rules(limit: 3, periodDays: 7)).Remaining.Should().Be(1);
        Calculate(Rules(limit: 3, periodDays: 9)).Remaining.Should().Be(0);
    }

    [Fact]
    public void When_the_quota_is_used_the_next_submission_is_when_the_oldest_counted_one_leaves_the_period()
    {
        Submitted(TimeSpan.FromHours(20));
        Submitted(TimeSpan.FromHours(5));
        Submitted(TimeSpan.FromHours(1));

        var allowance = Calculate(Rules(limit: 3, periodDays: 1));

        allowance.CanSubmit.Should().BeFalse();
        allowance.IsOpen.Should().BeTrue();
        allowance.Remaining.Should().Be(0);
        allowance.NextSubmissionAt.Should().Be(Now.AddHours(4));
        allowance.Reason.Should().Be("You have used all 3 submissions for this 1-day period; the next one is possible at 2026-05-10 16:00:00 UTC.");
    }

    [Fact]
    public void At_the_promised_time_a_submission_is_possible()
    {
        Submitted(TimeSpan.FromHours(20));
        Submitted(TimeSpan.FromHours(1));
        var next = Calculate(Rules(limit: 2, periodDays: 1)).NextSubmissionAt!.Value;

        _clock.SetUtcNow(next - TimeSpan.FromTicks(1));
        Calculate(Rules(limit: 2, periodDays: 1)).CanSubmit.Should().BeFalse();

        _clock.SetUtcNow(next);
        var allowance = Calculate(Rules(limit: 2, periodDays: 1));
        allowance.CanSubmit.Should().BeTrue();
        allowance.Remaining.Should().Be(1);
        allowance.NextSubmissionAt.Should().Be(next);
    }

    [Fact]
    public void With_more_counted_than_the_limit_the_limit_th_most_recent_decides()
    {
        // The limit was lowered from 4 to 2 after these were made.
        Submitted(TimeSpan.FromHours(22));
        Submitted(TimeSpan.FromHours(12));
        Submitted(TimeSpan.FromHours(6));
        Submitted(TimeSpan.FromHours(2));

        var allowance = Calculate(Rules(limit: 2, periodDays: 1));

        allowance.Remaining.Should().Be(0);
        allowance.NextSubmissionAt.Should().Be(Now.AddHours(18), "the second most recent (6 hours ago) must leave the period");
    }

    [Fact]
    public void Failed_submissions_give_their_quota_back_but_cancelled_ones_do_not()
    {
        Submitted(TimeSpan.FromHours(3), failed: true);
        Submitted(TimeSpan.FromHours(2), failed: true);
        Submitted(TimeSpan.FromHours(1)); // cancelled, in progress or succeeded: all count

        var allowance = Calculate(Rules(limit: 2, periodDays: 1));

        allowance.CanSubmit.Should().BeTrue();
        allowance.Remaining.Should().Be(1);
    }

    [Fact]
    public void An_all_time_limit_counts_every_submission_and_never_frees_one()
    {
        Submitted(TimeSpan.FromDays(400));
        Submitted(TimeSpan.FromDays(30));

        var allowance = Calculate(Rules(limit: 2, periodDays: null));

        allowance.Should().Be(new SubmissionAllowance(false, true, 0, null, "You have used all 2 submissions for this phase."));
        Calculate(Rules(limit: 3, periodDays: null)).Remaining.Should().Be(1);
    }

    [Fact]
    public void A_single_submission_limit_reads_naturally()
    {
        Submitted(TimeSpan.FromDays(2));

        Calculate(Rules(limit: 1, periodDays: 7)).Reason.Should()
            .Be("You have used your 1 submission for this 7-day period; the next one is possible at 2026-05-15 12:00:00 UTC.");
    }

    [Fact]
    public void A_next_time_after_the_phase_closes_is_never()
    {
        Submitted(TimeSpan.FromHours(1));

        var allowance = Calculate(Rules(limit: 1, periodDays: 1, closesAt: Now.AddHours(6)));

        allowance.CanSubmit.Should().BeFalse();
        allowance.NextSubmissionAt.Should().BeNull();
        allowance.Reason.Should().Be(
            "You have used your 1 submission for this 1-day period, and the phase closes at 2026-05-10 18:00:00 UTC, before another one is possible.");
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(3, false)]
    public void A_limit_of_zero_or_a_hidden_phase_is_closed(int limit, bool isPublic)
    {
        var allowance = Calculate(Rules(limit: limit, isPublic: isPublic));

        allowance.Should().Be(new SubmissionAllowance(false, false, 0, null, "The phase is closed for submissions."));
    }

    [Fact]
    public void A_phase_that_has_not_opened_says_when_it_opens()
    {
        var opensAt = Now.AddDays(2);

        var allowance = Calculate(Rules(opensAt: opensAt));

        allowance.Should().Be(new SubmissionAllowance(false, false, 0, opensAt, "The phase opens for submissions at 2026-05-12 12:00:00 UTC."));
        _clock.SetUtcNow(opensAt);
        Calculate(Rules(opensAt: opensAt)).CanSubmit.Should().BeTrue();
    }

    [Fact]
    public void A_phase_is_closed_for_good_from_its_closing_time()
    {
        var closesAt = Now.AddMinutes(1);
        var rules = Rules(opensAt: Now.AddDays(-10), closesAt: closesAt);
        Calculate(rules).CanSubmit.Should().BeTrue();

        _clock.SetUtcNow(closesAt);
        var allowance = Calculate(rules);

        allowance.Should().Be(new SubmissionAllowance(false, false, 0, null, "The phase closed for submissions at 2026-05-10 12:01:00 UTC."));
    }

    [Fact]
    public void Challenge_admins_are_held_to_neither_quota_nor_window()
    {
        Submitted(TimeSpan.FromHours(1));
        Submitted(TimeSpan.FromHours(2));

        foreach (var rules in new[]
                 {
                     Rules(limit: 2),
                     Rules(limit: 0),
                     Rules(isPublic: false),
                     Rules(opensAt: Now.AddDays(1)),
                     Rules(closesAt: Now.AddDays(-1)),
                 })
        {
            var allowance = Calculate(rules, isAdmin: true);

            allowance.CanSubmit.Should().BeTrue();
            allowance.Remaining.Should().BeNull("admins are not limited");
            allowance.NextSubmissionAt.Should().Be(Now);
            allowance.Reason.Should().BeNull();
        }

        Calculate(Rules(limit: 0), isAdmin: true).IsOpen.Should().BeFalse("the phase is still closed to participants");
    }

    [Fact]
    public void A_period_shorter_than_a_day_is_refused()
    {
        var act = () => Calculate(Rules(periodDays: 0));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
