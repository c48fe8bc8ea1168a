using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Common;

namespace GrandChallenge.Web.Features.Api;

/// <summary>
/// What the endpoint files read from requests the same way: the site root for API URLs, the id at the end of an API URL,
/// and typed PATCH/POST fields whose wrong type is recorded as a field error.
/// </summary>
public static class ApiRequests
{
    /// <summary>Scheme, host and path base of the request (API URLs are built on it).</summary>
    public static string Root(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    /// <summary>The id or slug at the end of an API URL (or the value itself when it is one).</summary>
    public static string LastSegment(string urlOrId) => urlOrId.TrimEnd('/').Split('/')[^1];

    public static string? ReadString(JsonNode? value, string key, FieldErrors errors)
    {
        if (value?.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        errors.Add(key, $"{key} must be a string.");
        return null;
    }

    public static bool? ReadBool(JsonNode? value, string key, FieldErrors errors)
    {
        if (value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }

        errors.Add(key, $"{key} must be true or false.");
        return null;
    }

    /// <summary>A whole number, also when written as one with a fraction of zero (<c>4.0</c>).</summary>
    public static int? ReadInt(JsonNode? value, string key, FieldErrors errors)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var number))
        {
            return number;
        }

        if (value is JsonValue d && d.GetValueKind() == JsonValueKind.Number && d.TryGetValue<double>(out var real) && real == Math.Floor(real) && Math.Abs(real) < int.MaxValue)
        {
            return (int)real;
        }

        errors.Add(key, $"{key} must be a whole number.");
        return null;
    }
}
