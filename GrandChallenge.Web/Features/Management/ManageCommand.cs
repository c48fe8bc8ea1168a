using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Web.Features.Management;

/// <summary>
/// <c>dotnet run --project GrandChallenge.Web -- manage &lt;command&gt; [--option value] [--flag]</c>, like Django's manage.py.
/// Each command runs against the configured database and data folder, then exits.
/// </summary>
public sealed class ManageCommand
{
    private static readonly Dictionary<string, (string Usage, Func<ManageCommand, IServiceProvider, Task<int>> Run)> Commands = new()
    {
        ["migrate"] = ("migrate", (c, s) => c.MigrateAsync(s)),
        ["create-user"] = ("create-user --username U --email E --password P [--site-admin]", (c, s) => c.CreateUserAsync(s)),
        ["create-token"] = ("create-token --username U [--expires-days N] [--name NAME]", (c, s) => c.CreateTokenAsync(s)),
        ["seed-demo"] = ("seed-demo", (c, s) => DemoSeeder.SeedAsync(s)),
    };

    private readonly string _name;
    private readonly Dictionary<string, string?> _options;

    private ManageCommand(string name, Dictionary<string, string?> options)
    {
        _name = name;
        _options = options;
    }

    /// <summary>Splits <c>manage ...</c> off the arguments; the rest go to the host (e.g. configuration overrides).</summary>
    public static ManageCommand? TryParse(string[] args, out string[] hostArgs)
    {
        hostArgs = args;
        if (args.Length == 0 || args[0] != "manage")
        {
            return null;
        }

        var name = args.Length > 1 ? args[1] : "help";
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var rest = new List<string>();
        for (var i = 2; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                rest.Add(args[i]);
                continue;
            }

            var key = args[i][2..];
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[key] = hasValue ? args[++i] : null;
        }

        hostArgs = [.. rest];
        return new ManageCommand(name, options);
    }

    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        // Commands print their result on stdout (create-token prints only the token): logs go to stderr.
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    public async Task<int> RunAsync(IServiceProvider services)
    {
        if (!Commands.TryGetValue(_name, out var command))
        {
            await Console.Error.WriteLineAsync($"Unknown command '{_name}'. Commands:\n  " + string.Join("\n  ", Commands.Values.Select(c => "manage " + c.Usage)));
            return _name == "help" ? 0 : 2;
        }

        try
        {
            _ = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            if (_name != "migrate")
            {
                await services.MigrateDatabaseAsync();
            }

            return await command.Run(this, services);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {string.Join(" ", e.Failures)}");
            return 1;
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\nUsage: manage {command.Usage}");
            return 2;
        }
    }

    private async Task<int> MigrateAsync(IServiceProvider services)
    {
        await services.MigrateDatabaseAsync(force: true);
        await DefaultSockets.EnsureAsync(services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        Console.WriteLine($"Database ({services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider}) is up to date.");
        return 0;
    }

    private async Task<int> CreateUserAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var result = await accounts.RegisterAsync(Required("username"), Required("email"), Required("password"), _options.ContainsKey("site-admin"));
        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync($"Could not create the user: {result.Error}");
            return 1;
        }

        Console.WriteLine($"Created user '{result.Value!.UserName}'{(_options.ContainsKey("site-admin") ? " (site admin)" : "")}.");
        return 0;
    }

    private async Task<int> CreateTokenAsync(IServiceProvider services)
    {
        int? days = null;
        if (_options.TryGetValue("expires-days", out var value))
        {
            days = int.TryParse(value, out var d) ? d : throw new UsageException("--expires-days takes a whole number of days.");
        }

        await using var scope = services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByNameAsync(Required("username"));
        if (user is null)
        {
            await Console.Error.WriteLineAsync($"No user named '{_options["username"]}'.");
            return 1;
        }

        var name = _options.GetValueOrDefault("name") ?? "created by manage create-token";
        var result = await services.GetRequiredService<IApiTokenService>().CreateAsync(user.Id, name, days);
        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync(result.Error);
            return 1;
        }

        Console.WriteLine(result.Value!.Token);
        return 0;
    }

    private string Required(string option) =>
        _options.GetValueOrDefault(option) is { Length: > 0 } value ? value : throw new UsageException($"--{option} is required.");

    private sealed class UsageException(string message) : Exception(message);
}
