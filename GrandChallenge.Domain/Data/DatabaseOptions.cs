using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Data;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
    SqlServer,
}

/// <summary>Database settings: section <c>Database</c> plus <c>ConnectionStrings:Default</c>.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string SectionName = "Database";

    /// <summary><c>Sqlite</c> (default, a file in the data folder), <c>PostgreSql</c> or <c>SqlServer</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Filled from <c>ConnectionStrings:Default</c>; for SQLite it defaults to a file in the data folder.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the web host starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                $"Database:Provider is {Provider} but ConnectionStrings:Default is empty. Set it, e.g. with the environment variable ConnectionStrings__Default.",
                [nameof(ConnectionString)]);
        }
    }
}
