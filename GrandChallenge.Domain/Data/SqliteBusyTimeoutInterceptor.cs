using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrandChallenge.Domain.Data;

/// <summary>
/// Lets SQLite wait for a busy database itself, retrying within milliseconds, instead of answering "busy" at once:
/// Microsoft.Data.Sqlite then retries a busy statement only after sleeping 150 ms, a pause every write that met another
/// writer (job claims and status changes of the other slots, the scheduler) paid. The wait is bounded like a command.
/// </summary>
public sealed class SqliteBusyTimeoutInterceptor : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
