using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Web.Features.Management;

/// <summary>Demo users and challenges a newcomer can click through. Running it again changes nothing.</summary>
public static class DemoSeeder
{
    public const string DemoPassword = "demo-Password1";

    private static readonly (string Username, string Email)[] Users =
    [
        ("demo", "demo@example.org"),
        ("demop", "demop@example.org"),
        ("readerstudy", "readerstudy@example.org"),
        ("archive", "archive@example.org"),
    ];

    public static async Task<int> SeedAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var permissions = scope.ServiceProvider.GetRequiredService<IPermissionService>();
        var dbFactory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>();

        var ids = new Dictionary<string, Guid>();
        foreach (var (username, email) in Users)
        {
            var user = await userManager.FindByNameAsync(username);
            if (user is null)
            {
                var created = await accounts.RegisterAsync(username, email, DemoPassword);
                user = created.Value ?? throw new InvalidOperationException(created.Error);
                Console.WriteLine($"Created demo user '{username}' with password '{DemoPassword}'.");
            }

            ids[username] = user.Id;
        }

        await using var db = await dbFactory.CreateDbContextAsync();
        var demo = await EnsureChallengeAsync(db, new Challenge
        {
            ShortName = "demo-challenge",
            Title = "Demo challenge: lung nodule detection",
            Description = "A public demo challenge. Register, submit predictions and watch the leaderboard.",
        });
        var hidden = await EnsureChallengeAsync(db, new Challenge
        {
            ShortName = "hidden-demo",
            Title = "Hidden demo challenge",
            Description = "Only its admins and participants can see this challenge.",
            Hidden = true,
        });

        await EnsurePagesAsync(db, demo);
        await EnsurePagesAsync(db, hidden);
        if (!await db.RegistrationQuestions.AnyAsync(q => q.ChallengeId == demo.Id))
        {
            db.RegistrationQuestions.Add(new RegistrationQuestion
            {
                ChallengeId = demo.Id,
                QuestionText = "Affiliation",
                HelpText = "Your institute or company.",
            });
            await db.SaveChangesAsync();
        }

        await permissions.GrantAsync(ObjectKinds.Challenge, demo.Id, ObjectRoles.Admin, ids["demo"]);
        await permissions.GrantAsync(ObjectKinds.Challenge, demo.Id, ObjectRoles.Participant, ids["demop"]);
        await permissions.GrantAsync(ObjectKinds.Challenge, hidden.Id, ObjectRoles.Admin, ids["demo"]);
        Console.WriteLine("Demo data is in place: challenges 'demo-challenge' (public) and 'hidden-demo' (hidden); 'demo' administers both, 'demop' participates in the first.");
        return 0;
    }

    /// <summary>A home page and a few more, when the challenge has none yet.</summary>
    private static async Task EnsurePagesAsync(AppDbContext db, Challenge challenge)
    {
        if (await db.ChallengePages.AnyAsync(p => p.ChallengeId == challenge.Id))
        {
            return;
        }

        db.ChallengePages.AddRange(
            new ChallengePage
            {
                ChallengeId = challenge.Id,
                Slug = "home",
                Title = "Home",
                Order = 0,
                ContentMarkdown = $"""
                    ## {challenge.Title}

                    {challenge.Description}

                    1. **Join** the challenge with the button above.
                    2. Read the [data description](/challenges/{challenge.ShortName}/pages/data) and the rules.
                    3. Submit your predictions in a phase and watch the leaderboard.
                    """,
            },
            new ChallengePage
            {
                ChallengeId = challenge.Id,
                Slug = "data",
                Title = "Data",
                Order = 1,
                ContentMarkdown = """
                    ## Data

                    | set | cases | labels |
                    | --- | ---: | --- |
                    | training | 500 | public |
                    | test | 200 | hidden |

                    Participants find the download links on this page once they are accepted.
                    """,
            },
            new ChallengePage
            {
                ChallengeId = challenge.Id,
                Slug = "rules",
                Title = "Rules",
                Order = 2,
                Visibility = PageVisibility.RegisteredUsers,
                ContentMarkdown = "## Rules\n\n- One account per person.\n- At most one submission a day.\n- Publish your method to be ranked.",
            });
        await db.SaveChangesAsync();
    }

    private static async Task<Challenge> EnsureChallengeAsync(AppDbContext db, Challenge challenge)
    {
        var existing = await db.Challenges.SingleOrDefaultAsync(c => c.ShortName == challenge.ShortName);
        if (existing is not null)
        {
            return existing;
        }

        db.Challenges.Add(challenge);
        await db.SaveChangesAsync();
        return challenge;
    }
}
