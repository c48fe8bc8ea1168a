namespace GrandChallenge.Domain.Data;

/// <summary>
/// The tables of Quartz.NET 4.7's persistent job store, created by a migration of each provider so that
/// one `migrate` sets up everything. Scripts are the ones the Quartz 4.7.3 package embeds.
/// </summary>
public static class QuartzSchema
{
    private static readonly string[] Tables =
    [
        "JOB_STATUS", "MISFIRE_HISTORY", "EXECUTION_HISTORY", "LOCKS", "SCHEDULER_STATE", "FIRED_TRIGGERS",
        "PAUSED_JOB_GRPS", "PAUSED_TRIGGER_GRPS", "CALENDARS", "BLOB_TRIGGERS", "SIMPROP_TRIGGERS",
        "CRON_TRIGGERS", "SIMPLE_TRIGGERS", "TRIGGERS", "JOB_DETAILS",
    ];

    /// <summary>The creation script for <paramref name="provider"/>: sqlite, postgresql or sqlserver.</summary>
    public static string CreateScript(string provider)
    {
        using var stream = typeof(QuartzSchema).Assembly.GetManifestResourceStream($"GrandChallenge.Domain.Data.QuartzSchema.{provider}.sql")
            ?? throw new InvalidOperationException($"No Quartz schema script for '{provider}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static string DropScript(bool lowerCase) =>
        string.Join('\n', Tables.Select(t => $"DROP TABLE IF EXISTS {(lowerCase ? "qrtz_" + t.ToLowerInvariant() : "QRTZ_" + t)};"));
}
