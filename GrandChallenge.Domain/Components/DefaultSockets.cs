using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Components;

/// <summary>The sockets every installation has (grand-challenge.org creates them on every migrate), created once and idempotently.</summary>
public static class DefaultSockets
{
    public const string GenericMedicalImage = "generic-medical-image";
    public const string GenericOverlay = "generic-overlay";
    public const string ResultsJsonFile = "results-json-file";
    public const string PredictionsJsonFile = "predictions-json-file";
    public const string PredictionsCsvFile = "predictions-csv-file";
    public const string PredictionsZipFile = "predictions-zip-file";
    public const string MetricsJsonFile = "metrics-json-file";

    /// <summary>Sockets for prediction files and metrics, which users cannot choose for algorithm interfaces.</summary>
    public static readonly IReadOnlySet<string> ReservedSlugs = new HashSet<string>(StringComparer.Ordinal)
    {
        PredictionsCsvFile, PredictionsJsonFile, PredictionsZipFile, MetricsJsonFile, ResultsJsonFile,
    };

    public sealed record Definition(string Title, string Slug, string Kind, string RelativePath);

    /// <summary>
    /// Reference §2.5. The two image sockets predate the path rules and keep their paths: the generic medical image
    /// has an empty path (its image sits directly in <c>/input</c>), the overlay lives in <c>images</c>.
    /// </summary>
    public static readonly IReadOnlyList<Definition> All =
    [
        new("Generic Medical Image", GenericMedicalImage, SocketKinds.Image, ""),
        new("Generic Overlay", GenericOverlay, SocketKinds.HeatMap, "images"),
        new("Results JSON File", ResultsJsonFile, SocketKinds.AnyJson, "results.json"),
        new("Predictions JSON File", PredictionsJsonFile, SocketKinds.AnyJson, "predictions.json"),
        new("Predictions CSV File", PredictionsCsvFile, SocketKinds.Csv, "predictions.csv"),
        new("Predictions ZIP File", PredictionsZipFile, SocketKinds.Zip, "predictions.zip"),
        new("Metrics JSON File", MetricsJsonFile, SocketKinds.AnyJson, "metrics.json"),
    ];

    /// <summary>Sockets whose paths are exempt from the path rules because grand-challenge.org created them before the rules.</summary>
    public static bool HasLegacyPath(Socket socket) => socket.Slug is GenericMedicalImage or GenericOverlay;

    /// <summary>Creates the default sockets that are missing; safe to run on every start and from several processes at once.</summary>
    public static async Task EnsureAsync(IDbContextFactory<AppDbContext> dbFactory, CancellationToken ct = default)
    {
        foreach (var definition in All)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (await ExistsAsync(db, definition, ct))
            {
                continue;
            }

            var kind = SocketKinds.Get(definition.Kind);
            db.Sockets.Add(new Socket
            {
                Title = definition.Title,
                Slug = definition.Slug,
                Kind = definition.Kind,
                RelativePath = definition.RelativePath,
                StoreInDatabase = kind.MayStoreInDatabase,
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another process created it first; that is the outcome wanted.
                await using var check = await dbFactory.CreateDbContextAsync(ct);
                if (!await ExistsAsync(check, definition, ct))
                {
                    throw;
                }
            }
        }
    }

    // A socket an admin made earlier with the same title or path takes the default's place rather than failing start-up.
    private static Task<bool> ExistsAsync(AppDbContext db, Definition definition, CancellationToken ct) =>
        db.Sockets.AnyAsync(s => s.Slug == definition.Slug || s.Title == definition.Title || s.RelativePath == definition.RelativePath, ct);
}
