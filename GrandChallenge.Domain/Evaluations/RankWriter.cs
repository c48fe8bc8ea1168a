using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>The rank fields of one evaluation to store; <see cref="RankPerMetric"/> is the column's JSON text.</summary>
internal sealed record RankChange(Guid Id, int Rank, double RankScore, string RankPerMetric, long Fingerprint);

/// <summary>
/// Writes many evaluations' ranks with a single UPDATE joined to a JSON parameter, in each provider's dialect:
/// SQLite <c>json_each</c>, PostgreSQL <c>jsonb_to_recordset</c>, SQL Server <c>OPENJSON</c>.
/// </summary>
internal static class RankWriter
{
    /// <summary>
    /// Takes the phase row's write lock for the rest of the transaction (SQLite: the database's), so re-rankings of
    /// one phase by several processes run one after the other.
    /// </summary>
    public static async Task LockPhaseAsync(DbContext db, Guid phaseId, CancellationToken ct)
    {
        object id = IsSqlite(db) ? phaseId.ToString("D").ToUpperInvariant() : phaseId;
        await db.Database.ExecuteSqlRawAsync("""UPDATE "Phases" SET "Modified" = "Modified" WHERE "Id" = {0}""", [id], ct);
    }

    private static bool IsSqlite(DbContext db) => db.Database.ProviderName?.Contains("Sqlite", StringComparison.Ordinal) == true;

    public static async Task WriteAsync(DbContext db, IReadOnlyList<RankChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var provider = db.Database.ProviderName ?? "";
        var sql = provider switch
        {
            _ when IsSqlite(db) => """
                UPDATE "Evaluations" SET
                    "Rank" = json_extract(x.value, '$.r'), "RankScore" = json_extract(x.value, '$.s'),
                    "RankPerMetric" = json_extract(x.value, '$.m'), "RankFingerprint" = json_extract(x.value, '$.f')
                FROM json_each({0}) AS x
                WHERE "Evaluations"."Id" = json_extract(x.value, '$.i')
                """,
            _ when provider.Contains("Npgsql", StringComparison.Ordinal) => """
                UPDATE "Evaluations" AS e SET "Rank" = x.r, "RankScore" = x.s, "RankPerMetric" = x.m, "RankFingerprint" = x.f
                FROM jsonb_to_recordset({0}::jsonb) AS x(i uuid, r integer, s double precision, m text, f bigint)
                WHERE e."Id" = x.i
                """,
            _ => """
                UPDATE e SET e.[Rank] = x.r, e.[RankScore] = x.s, e.[RankPerMetric] = x.m, e.[RankFingerprint] = x.f
                FROM [Evaluations] AS e
                JOIN OPENJSON({0}) WITH (i uniqueidentifier '$.i', r int '$.r', s float '$.s', m nvarchar(max) '$.m', f bigint '$.f') AS x
                    ON e.[Id] = x.i
                """,
        };

        // SQLite keeps GUIDs as upper-case text (EF Core's mapping), so the ids are written the same way.
        var payload = JsonSerializer.Serialize(changes.Select(c => new
        {
            i = IsSqlite(db) ? c.Id.ToString("D").ToUpperInvariant() : c.Id.ToString("D"),
            r = c.Rank,
            s = c.RankScore,
            m = c.RankPerMetric,
            f = c.Fingerprint,
        }));
        await db.Database.ExecuteSqlRawAsync(sql, [payload], ct);
    }
}
