using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Web.Features.Api;

/// <summary>Limit/offset page in grand-challenge.org's shape: <c>{"count","next","previous","results"}</c>.</summary>
public sealed record Paginated<T>(int Count, string? Next, string? Previous, IReadOnlyList<T> Results);

public static class Pagination
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static async Task<Paginated<TOut>> PageAsync<TIn, TOut>(
        this IQueryable<TIn> query, HttpRequest request, Func<TIn, TOut> map, CancellationToken ct)
    {
        var (limit, offset) = Read(request);
        var count = await query.CountAsync(ct);
        var items = await query.Skip(offset).Take(limit).ToListAsync(ct);
        return Build(request, count, limit, offset, items.Select(map).ToList());
    }

    /// <summary>A page fetched by the caller (typically a feature service) for the request's limit and offset.</summary>
    public static async Task<Paginated<T>> PageAsync<T>(HttpRequest request, Func<int, int, Task<(int Count, IReadOnlyList<T> Items)>> fetch)
    {
        var (limit, offset) = Read(request);
        var (count, items) = await fetch(offset, limit);
        return Build(request, count, limit, offset, items);
    }

    public static Paginated<T> Page<T>(this IReadOnlyCollection<T> all, HttpRequest request)
    {
        var (limit, offset) = Read(request);
        return Build(request, all.Count, limit, offset, all.Skip(offset).Take(limit).ToList());
    }

    private static (int Limit, int Offset) Read(HttpRequest request)
    {
        var limit = int.TryParse(request.Query["limit"], out var l) && l > 0 ? Math.Min(l, MaxLimit) : DefaultLimit;
        var offset = int.TryParse(request.Query["offset"], out var o) && o > 0 ? o : 0;
        return (limit, offset);
    }

    private static Paginated<T> Build<T>(HttpRequest request, int count, int limit, int offset, IReadOnlyList<T> results)
    {
        string Link(int newOffset)
        {
            var query = QueryHelpers.ParseQuery(request.QueryString.Value)
                .ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
            query["limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            query["offset"] = newOffset.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return QueryHelpers.AddQueryString($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}", query);
        }

        var next = offset + limit < count ? Link(offset + limit) : null;
        var previous = offset > 0 ? Link(Math.Max(0, offset - limit)) : null;
        return new Paginated<T>(count, next, previous, results);
    }
}
