namespace GrandChallenge.Domain.Common;

/// <summary>An expected failure carries a message for the user; success may carry a value.</summary>
public readonly record struct Result<T>(T? Value, string? Error, IReadOnlyDictionary<string, string[]>? FieldErrors = null)
{
    public bool Succeeded => Error is null;

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(string error) => new(default, error);

    public static Result<T> Invalid(string field, string message) =>
        new(default, message, new Dictionary<string, string[]> { [field] = [message] });
}
