using System.Net;
using System.Net.Http.Headers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>
/// The real web host on a real database of its own (SQLite file or PostgreSQL), optionally on a loopback Kestrel port,
/// with optional extra settings (e.g. <c>Uploads:MaxPartBytes</c>) applied after the defaults, and optionally services
/// replaced after the host registered its own (e.g. a container runner that injects engine faults).
/// </summary>
public class GrandChallengeAppFactory(
    TestDatabase database, bool kestrel = false, IReadOnlyDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public TestDatabase Database { get; } = database;

    public string DataDirectory => Database.Directory;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("DataDirectory", Database.Directory);
        builder.UseSetting("Database:Provider", Database.Provider.ToString());
        builder.UseSetting("ConnectionStrings:Default", Database.ConnectionString);
        builder.UseSetting("Workers:Slots", "2");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }

        if (kestrel)
        {
            UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        }
    }

    /// <summary>The loopback address Kestrel listens on (kestrel mode only).</summary>
    public Uri ServerAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First());
        }
    }

    public HttpClient CreateBrowserlikeClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public async Task<ApplicationUser> CreateUserAsync(string username, bool siteAdmin = false, string password = "Passw0rd-test")
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<AccountService>()
            .RegisterAsync(username, $"{username}@example.org", password, siteAdmin);
        return result.Value ?? throw new InvalidOperationException(result.Error);
    }

    public async Task<string> CreateTokenAsync(Guid userId, int? expiresInDays = null)
    {
        var result = await Services.GetRequiredService<IApiTokenService>().CreateAsync(userId, "test", expiresInDays);
        return result.Value?.Token ?? throw new InvalidOperationException(result.Error);
    }

    public HttpClient CreateClientWithToken(string token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (kestrel)
        {
            // A Kestrel host is reached over loopback at its real address (API clients beside a browser test).
            client.BaseAddress = ServerAddress;
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<HttpClient> CreateClientForNewUserAsync(string username, bool siteAdmin = false)
    {
        var user = await CreateUserAsync(username, siteAdmin);
        return CreateClientWithToken(await CreateTokenAsync(user.Id));
    }

    public T Db<T>(Func<AppDbContext, T> query)
    {
        using var db = Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        return query(db);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
