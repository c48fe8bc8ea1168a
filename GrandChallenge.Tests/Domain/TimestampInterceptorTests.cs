using GrandChallenge.Domain.Challenges;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace GrandChallenge.Tests.Domain;

[Trait("Category", "Unit")]
public sealed class TimestampInterceptorTests
{
    [Fact]
    public async Task Created_is_set_once_and_modified_follows_every_save()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        using var database = new InMemoryDatabase(clock);
        var start = clock.GetUtcNow();

        await using (var db = database.CreateDbContext())
        {
            db.Challenges.Add(new Challenge { ShortName = "stamp", Title = "Stamp" });
            await db.SaveChangesAsync();
        }

        clock.Advance(TimeSpan.FromMinutes(5));
        await using (var db = database.CreateDbContext())
        {
            var challenge = db.Challenges.Single();
            challenge.Created = DateTimeOffset.MinValue; // a caller cannot rewrite history
            challenge.Title = "Stamped";
            await db.SaveChangesAsync();
        }

        await using var check = database.CreateDbContext();
        var saved = check.Challenges.Single();
        saved.Created.Should().Be(start);
        saved.Modified.Should().Be(start.AddMinutes(5));
    }
}
