using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>An interface with its sockets loaded, for display and for matching a job's inputs.</summary>
public sealed record AlgorithmInterfaceView(int Id, IReadOnlyList<Socket> Inputs, IReadOnlyList<Socket> Outputs);

/// <summary>
/// Finds or creates the shared, immutable interfaces (grand-challenge.org §6.2): at least one input and one output,
/// no socket on both sides, no reserved (predictions/metrics) socket. The same sockets always give the same interface.
/// </summary>
public static class AlgorithmInterfaces
{
    public static async Task<Result<AlgorithmInterface>> GetOrCreateAsync(
        AppDbContext db, IReadOnlyCollection<string> inputSlugs, IReadOnlyCollection<string> outputSlugs, CancellationToken ct = default)
    {
        if (inputSlugs.Count == 0)
        {
            return Result<AlgorithmInterface>.Invalid("inputs", "An interface needs at least one input socket.");
        }

        if (outputSlugs.Count == 0)
        {
            return Result<AlgorithmInterface>.Invalid("outputs", "An interface needs at least one output socket.");
        }

        var both = inputSlugs.Intersect(outputSlugs, StringComparer.Ordinal).ToList();
        if (both.Count > 0)
        {
            return Result<AlgorithmInterface>.Invalid("outputs", $"A socket cannot be both an input and an output: {string.Join(", ", both)}.");
        }

        var reserved = inputSlugs.Concat(outputSlugs).Where(DefaultSockets.ReservedSlugs.Contains).ToList();
        if (reserved.Count > 0)
        {
            return Result<AlgorithmInterface>.Invalid("inputs", $"These sockets are reserved for challenges and cannot be used by algorithms: {string.Join(", ", reserved)}.");
        }

        var slugs = inputSlugs.Concat(outputSlugs).Distinct().ToList();
        var sockets = await db.Sockets.AsNoTracking().Where(s => slugs.Contains(s.Slug)).ToDictionaryAsync(s => s.Slug, s => s.Id, ct);
        var unknown = slugs.Where(s => !sockets.ContainsKey(s)).ToList();
        if (unknown.Count > 0)
        {
            return Result<AlgorithmInterface>.Invalid(inputSlugs.Any(unknown.Contains) ? "inputs" : "outputs", $"No such socket: {string.Join(", ", unknown)}.");
        }

        var inputs = inputSlugs.Select(s => sockets[s]).Distinct().Order().ToList();
        var outputs = outputSlugs.Select(s => sockets[s]).Distinct().Order().ToList();
        var key = AlgorithmInterface.KeyOf(inputs, outputs);
        if (await db.AlgorithmInterfaces.FirstOrDefaultAsync(i => i.Key == key, ct) is { } existing)
        {
            return Result<AlgorithmInterface>.Ok(existing);
        }

        var created = new AlgorithmInterface { Key = key, InputSocketIds = inputs, OutputSocketIds = outputs };
        db.AlgorithmInterfaces.Add(created);
        try
        {
            await db.SaveChangesAsync(ct);
            return Result<AlgorithmInterface>.Ok(created);
        }
        catch (DbUpdateException)
        {
            // Another request made the same interface first; use theirs.
            db.Entry(created).State = EntityState.Detached;
            return Result<AlgorithmInterface>.Ok(await db.AlgorithmInterfaces.SingleAsync(i => i.Key == key, ct));
        }
    }

    /// <summary>The interfaces with their sockets, in the order of <paramref name="ids"/>.</summary>
    public static async Task<IReadOnlyList<AlgorithmInterfaceView>> LoadAsync(AppDbContext db, IReadOnlyCollection<int> ids, CancellationToken ct = default)
    {
        var interfaces = await db.AlgorithmInterfaces.AsNoTracking().Where(i => ids.Contains(i.Id)).ToListAsync(ct);
        var socketIds = interfaces.SelectMany(i => i.InputSocketIds.Concat(i.OutputSocketIds)).Distinct().ToList();
        var sockets = await db.Sockets.AsNoTracking().Where(s => socketIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        return ids.Select(id => interfaces.FirstOrDefault(i => i.Id == id)).OfType<AlgorithmInterface>()
            .Select(i => new AlgorithmInterfaceView(
                i.Id,
                i.InputSocketIds.Where(sockets.ContainsKey).Select(s => sockets[s]).ToList(),
                i.OutputSocketIds.Where(sockets.ContainsKey).Select(s => sockets[s]).ToList()))
            .ToList();
    }
}
