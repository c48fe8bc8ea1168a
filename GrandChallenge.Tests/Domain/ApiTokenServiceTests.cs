using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace GrandChallenge.Tests.Domain;

[Trait("Category", "Unit")]
public sealed class ApiTokenServiceTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryDatabase _db;
    private readonly ApiTokenService _tokens;
    private readonly Guid _user;

    public ApiTokenServiceTests()
    {
        _db = new InMemoryDatabase(_clock);
        _tokens = new ApiTokenService(_db, _clock);
        using var db = _db.CreateDbContext();
        var user = new ApplicationUser { UserName = "u", NormalizedUserName = "U" };
        db.Users.Add(user);
        db.SaveChanges();
        _user = user.Id;
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_new_token_authenticates_its_user_and_only_its_hash_is_stored()
    {
        var created = (await _tokens.CreateAsync(_user, "laptop", null)).Value!;

        created.Token.Should().MatchRegex("^[0-9a-f]{64}$");
        (await _tokens.AuthenticateAsync(created.Token)).Should().Be(_user);
        var stored = _db.CreateDbContext().ApiTokens.Single();
        stored.TokenHash.Should().Be(ApiTokenService.Hash(created.Token)).And.NotBe(created.Token);
        stored.Prefix.Should().Be(created.Token[..8]);
        stored.Created.Should().Be(_clock.GetUtcNow());
    }

    [Fact]
    public async Task A_token_stops_working_when_it_expires()
    {
        var created = (await _tokens.CreateAsync(_user, "short", 1)).Value!;
        _clock.Advance(TimeSpan.FromHours(23));
        (await _tokens.AuthenticateAsync(created.Token)).Should().Be(_user);

        _clock.Advance(TimeSpan.FromHours(2));
        (await _tokens.AuthenticateAsync(created.Token)).Should().BeNull();
    }

    [Fact]
    public async Task A_revoked_token_stops_working_and_others_cannot_revoke_it()
    {
        var created = (await _tokens.CreateAsync(_user, "revoke me", null)).Value!;

        (await _tokens.RevokeAsync(Guid.NewGuid(), created.Info.Id)).Should().BeFalse();
        (await _tokens.AuthenticateAsync(created.Token)).Should().Be(_user);

        (await _tokens.RevokeAsync(_user, created.Info.Id)).Should().BeTrue();
        (await _tokens.AuthenticateAsync(created.Token)).Should().BeNull();
        (await _tokens.ListAsync(_user)).Single().RevokedAt.Should().NotBeNull();
    }

    [Theory]
    [InlineData("", 10, "name")]
    [InlineData("ok", 0, "expires_days")]
    [InlineData("ok", 4000, "expires_days")]
    public async Task Bad_input_is_refused_with_the_field_named_and_nothing_stored(string name, int days, string field)
    {
        var result = await _tokens.CreateAsync(_user, name, days);

        result.Succeeded.Should().BeFalse();
        result.FieldErrors.Should().ContainKey(field);
        _db.CreateDbContext().ApiTokens.Should().BeEmpty();
    }

    [Fact]
    public async Task Unknown_or_malformed_tokens_authenticate_nobody()
    {
        (await _tokens.AuthenticateAsync("nope")).Should().BeNull();
        (await _tokens.AuthenticateAsync(new string('a', 64))).Should().BeNull();
    }
}
