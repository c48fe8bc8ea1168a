using GrandChallenge.Web;
using GrandChallenge.Web.Features.Management;

var manage = ManageCommand.TryParse(args, out var webArgs);
var builder = WebApplication.CreateBuilder(webArgs);
if (manage is not null)
{
    ManageCommand.ConfigureLogging(builder.Logging);
}

builder.AddGrandChallengeWeb(runWorkers: manage is null);
var app = builder.Build();

if (manage is not null)
{
    return await manage.RunAsync(app.Services);
}

app.UseGrandChallengeWeb();
await app.InitializeGrandChallengeAsync();
await app.RunAsync();
return 0;

public partial class Program;
