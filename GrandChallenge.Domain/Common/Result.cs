namespace GrandChallenge.Domain.Common;

/// <summary>Why an expected failure happened, so an API can answer 400, 403 or 404.</summary>
public enum FailureKind
{
    Invalid,
    Forbidden,
    NotFound,
}

/// <summary>An expected failure carries a message for the user; success may carry a value.</summary>
public readonly record struct Result<T>(T? Value, string? Error, IReadOnlyDictionary<string, string[]>? FieldErrors = null, FailureKind Kind = FailureKind.Invalid)
{
    public bool Succeeded => Error is null;

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(string error) => new(default, error);

    public static Result<T> Invalid(string field, string message) =>
        new(default, message, new Dictionary<string, string[]> { [field] = [message] });

    public static Result<T> Forbidden(string error) => new(default, error, null, FailureKind.Forbidden);

    public static Result<T> NotFound(string error) => new(default, error, null, FailureKind.NotFound);

    /// <summary>The same failure for another kind of value.</summary>
    public Result<TOther> As<TOther>() => new(default, Error, FieldErrors, Kind);
}

/// <summary>Collects messages per field (snake_case names, as the API shows them) and turns them into one failed result.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

    public bool Any => _byField.Count > 0;

    public bool Has(string field) => _byField.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_byField.TryGetValue(field, out var list))
        {
            _byField[field] = list = [];
        }

        list.Add(message);
    }

    public Result<T> ToResult<T>() => new(default, string.Join(" ", _byField.Values.SelectMany(m => m)),
        _byField.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
}
