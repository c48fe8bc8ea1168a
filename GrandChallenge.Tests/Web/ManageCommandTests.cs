using System.Diagnostics;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Tests.Web;

/// <summary>The management commands as a user runs them: the real binary in its own process, against GC_DATA_DIR.</summary>
[Trait("Category", "Integration")]
public sealed class ManageCommandTests : IDisposable
{
    private readonly string _dataDirectory = TestEnvironment.NewTempDirectory("gc-manage");

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private static string WebAssembly
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            return Path.Combine(TestEnvironment.RepositoryRoot, "GrandChallenge.Web", "bin", configuration, "net10.0", "GrandChallenge.Web.dll");
        }
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> ManageAsync(params string[] args) =>
        await RunAsync(new Dictionary<string, string> { ["GC_DATA_DIR"] = _dataDirectory }, args);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WebAssembly);
        start.ArgumentList.Add("manage");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private AppDbContextFactory Database() =>
        new(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(_dataDirectory, "grandchallenge.db")}", TimeProvider.System);

    [Fact]
    public async Task Migrate_creates_the_database_in_the_data_folder_with_the_default_sockets_once()
    {
        var (exit, stdout, _) = await ManageAsync("migrate");
        var again = await ManageAsync("migrate");

        exit.Should().Be(0);
        again.ExitCode.Should().Be(0, again.Stderr);
        stdout.Should().Contain("Database (Sqlite) is up to date.");
        File.Exists(Path.Combine(_dataDirectory, "grandchallenge.db")).Should().BeTrue();
        (await Database().CreateDbContext().Database.GetPendingMigrationsAsync()).Should().BeEmpty();
        (await Database().CreateDbContext().Sockets.Select(s => s.Slug).ToListAsync())
            .Should().BeEquivalentTo(DefaultSockets.All.Select(d => d.Slug));
    }

    [Fact]
    public async Task Create_user_then_create_token_prints_only_a_working_token()
    {
        (await ManageAsync("create-user", "--username", "alice", "--email", "alice@example.org", "--password", "Alice-pass1", "--site-admin")).ExitCode.Should().Be(0);

        var (exit, stdout, stderr) = await ManageAsync("create-token", "--username", "alice", "--expires-days", "7");

        exit.Should().Be(0, stderr);
        var token = stdout.Trim();
        stdout.Should().MatchRegex("^[0-9a-f]{64}\r?\n$", "the command prints the token and nothing else");
        var tokens = new ApiTokenService(Database(), TimeProvider.System);
        var userId = await tokens.AuthenticateAsync(token);
        userId.Should().NotBeNull();
        await using var db = Database().CreateDbContext();
        var stored = await db.ApiTokens.SingleAsync();
        stored.ExpiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddDays(7), TimeSpan.FromMinutes(2));
        (await db.UserRoles.CountAsync(r => r.UserId == userId)).Should().Be(1, "alice is a site admin");
    }

    [Fact]
    public async Task Bad_arguments_fail_with_a_message_and_change_nothing()
    {
        (await ManageAsync("create-user", "--username", "bob", "--email", "bob@example.org", "--password", "Bob-pass11")).ExitCode.Should().Be(0);

        var duplicate = await ManageAsync("create-user", "--username", "bob", "--email", "bob2@example.org", "--password", "Bob-pass11");
        var weak = await ManageAsync("create-user", "--username", "carol", "--email", "carol@example.org", "--password", "short");
        var missing = await ManageAsync("create-user", "--username", "dave");
        var unknownUser = await ManageAsync("create-token", "--username", "nobody");
        var badDays = await ManageAsync("create-token", "--username", "bob", "--expires-days", "soon");
        var unknownCommand = await ManageAsync("frobnicate");

        duplicate.ExitCode.Should().Be(1);
        duplicate.Stderr.Should().Contain("Username 'bob' is already taken.");
        weak.Stderr.Should().Contain("Passwords must be at least 8 characters.");
        missing.ExitCode.Should().Be(2);
        missing.Stderr.Should().Contain("--email is required.");
        unknownUser.Stderr.Should().Contain("No user named 'nobody'.");
        badDays.Stderr.Should().Contain("--expires-days takes a whole number of days.");
        unknownCommand.ExitCode.Should().Be(2);
        unknownCommand.Stderr.Should().Contain("manage create-token --username U");

        await using var db = Database().CreateDbContext();
        (await db.Users.Select(u => u.UserName).ToListAsync()).Should().Equal("bob");
        (await db.ApiTokens.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Seed_demo_is_repeatable()
    {
        var first = await ManageAsync("seed-demo");
        var second = await ManageAsync("seed-demo");

        first.ExitCode.Should().Be(0, first.Stderr);
        second.ExitCode.Should().Be(0, second.Stderr);
        first.Stdout.Should().Contain("Created demo user 'demo'");
        second.Stdout.Should().NotContain("Created demo user");
        await using var db = Database().CreateDbContext();
        (await db.Challenges.CountAsync()).Should().Be(2);
        (await db.ObjectRoles.CountAsync()).Should().Be(3);
        (await db.ChallengePages.CountAsync()).Should().Be(6, "each demo challenge has a home, a data and a rules page, once");
        (await db.RegistrationQuestions.CountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task A_server_database_without_a_connection_string_is_a_clear_configuration_error()
    {
        var (exit, _, stderr) = await RunAsync(
            new Dictionary<string, string> { ["GC_DATA_DIR"] = _dataDirectory, ["Database__Provider"] = "PostgreSql" }, ["migrate"]);

        exit.Should().Be(1);
        stderr.Should().Contain("ConnectionStrings:Default is empty");
    }
}
