namespace GrandChallenge.Domain.Common;

/// <summary>Entities whose created/modified times are stamped from <see cref="TimeProvider"/> on save.</summary>
public interface IHasTimestamps
{
    DateTimeOffset Created { get; set; }
    DateTimeOffset Modified { get; set; }
}
