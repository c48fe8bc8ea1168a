using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging.Dicom;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Imaging.Rendering;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>The data folder, database (provider from configuration) and the domain services every host needs.</summary>
    public static IHostApplicationBuilder AddGrandChallengeDomain(this IHostApplicationBuilder builder)
    {
        var dataDirectory = DataDirectory.FromEnvironment(builder.Configuration["DataDirectory"]);
        builder.Services.TryAddSingleton(dataDirectory);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IBlobStore, LocalBlobStore>();
        builder.Services.TryAddSingleton<IChangeNotifier, ChangeNotifier>();

        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = ResolveConnectionString(options.Provider, configuration.GetConnectionString("Default"), dataDirectory))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddSingleton<AppDbContextFactory>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return new AppDbContextFactory(options.Provider, options.ConnectionString!, sp.GetRequiredService<TimeProvider>());
        });
        builder.Services.TryAddSingleton<IDbContextFactory<AppDbContext>>(sp => sp.GetRequiredService<AppDbContextFactory>());
        builder.Services.TryAddScoped(sp => sp.GetRequiredService<AppDbContextFactory>().CreateDbContext());

        builder.Services.TryAddSingleton<IPermissionService, PermissionService>();
        builder.Services.TryAddSingleton<IApiTokenService, ApiTokenService>();
        builder.AddChallengesDomain();
        builder.AddComponentsDomain();
        builder.AddEvaluationsDomain();
        builder.AddArchivesDomain();
        builder.AddAlgorithmsDomain();
        builder.Services.AddContainerImages();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageBuilder, DicomImageBuilder>());
        builder.Services.AddImageRendering();
        builder.Services.AddImageImport();
        return builder;
    }

    public static string? ResolveConnectionString(DatabaseProvider provider, string? configured, DataDirectory dataDirectory) =>
        configured is { Length: > 0 } || provider != DatabaseProvider.Sqlite
            ? configured
            : $"Data Source={Path.Combine(dataDirectory.Root, "grandchallenge.db")}";
}
