using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Text;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations.Ranking;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>
/// The ranks of a phase's last re-ranking, one row per phase (<see cref="PhaseRanks.Pack"/>'s bytes). A new result
/// moves most of a board's positions, so ranks kept on every evaluation row meant rewriting thousands of rows per
/// result; one packed row is written in a millisecond whatever the board's size.
/// </summary>
public class PhaseRanking
{
    public Guid PhaseId { get; set; }
    /// <summary>Raised by every write, so each process can tell whether its unpacked copy is current.</summary>
    public long Version { get; set; }
    public byte[] Data { get; set; } = [];
}

/// <summary>Where one evaluation stands: its rank (≥ 1), rank score and position on each ranked metric.</summary>
public sealed record RankEntry(int Rank, double Score, IReadOnlyDictionary<string, int> PerMetric);

/// <summary>An unpacked <see cref="PhaseRanking"/>: the ranked evaluations of a phase; any other evaluation is unranked.</summary>
public sealed class PhaseRanks
{
    private const int Magic = 0x31524347; // "GCR1"
    private readonly Dictionary<Guid, RankEntry> _entries;

    private PhaseRanks(Dictionary<Guid, RankEntry> entries) => _entries = entries;

    public static PhaseRanks Empty { get; } = new([]);

    public int Count => _entries.Count;

    public bool TryGet(Guid evaluationId, out RankEntry entry) => _entries.TryGetValue(evaluationId, out entry!);

    public int RankOf(Guid evaluationId) => _entries.TryGetValue(evaluationId, out var entry) ? entry.Rank : 0;

    /// <summary>
    /// Little-endian: magic, metric count, each path (length-prefixed UTF-8), entry count, then per ranked
    /// evaluation its id (16 bytes), rank, score and one position per metric.
    /// </summary>
    public static byte[] Pack(RankingOutcome outcome, IReadOnlyList<string> paths)
    {
        var ranked = outcome.Results.Where(r => r.IsRanked).ToList();
        var pathBytes = paths.Select(Encoding.UTF8.GetBytes).ToList();
        var entrySize = 16 + 4 + 8 + 4 * paths.Count;
        var data = new byte[12 + pathBytes.Sum(p => 4 + p.Length) + ranked.Count * entrySize];
        var span = data.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], paths.Count);
        var at = 8;
        foreach (var path in pathBytes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], path.Length);
            path.CopyTo(span[(at + 4)..]);
            at += 4 + path.Length;
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], ranked.Count);
        at += 4;
        foreach (var rank in ranked)
        {
            rank.EvaluationId.TryWriteBytes(span[at..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 16)..], rank.Rank);
            BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 20)..], rank.RankScore);
            for (var j = 0; j < paths.Count; j++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[(at + 28 + 4 * j)..], rank.RankPerMetric[paths[j]]);
            }

            at += entrySize;
        }

        return data;
    }

    public static PhaseRanks Unpack(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || BinaryPrimitives.ReadInt32LittleEndian(data) != Magic)
        {
            throw new InvalidDataException("The stored phase ranking is not in a known format.");
        }

        var pathCount = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        var paths = new string[pathCount];
        var at = 8;
        for (var j = 0; j < pathCount; j++)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
            paths[j] = Encoding.UTF8.GetString(data.Slice(at + 4, length));
            at += 4 + length;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
        at += 4;
        var entrySize = 16 + 4 + 8 + 4 * pathCount;
        var entries = new Dictionary<Guid, RankEntry>(count);
        for (var i = 0; i < count; i++, at += entrySize)
        {
            var perMetric = new Dictionary<string, int>(pathCount, StringComparer.Ordinal);
            for (var j = 0; j < pathCount; j++)
            {
                perMetric[paths[j]] = BinaryPrimitives.ReadInt32LittleEndian(data[(at + 28 + 4 * j)..]);
            }

            entries[new Guid(data.Slice(at, 16))] = new RankEntry(
                BinaryPrimitives.ReadInt32LittleEndian(data[(at + 16)..]),
                BinaryPrimitives.ReadDoubleLittleEndian(data[(at + 20)..]),
                new ReadOnlyDictionary<string, int>(perMetric));
        }

        return new PhaseRanks(entries);
    }
}

/// <summary>
/// Reads and writes <see cref="PhaseRanking"/> rows, keeping each phase's unpacked ranks in memory until another
/// write (by any process) raises the stored version.
/// </summary>
public sealed class PhaseRankStore
{
    private const int MaxCachedPhases = 256;
    private readonly ConcurrentDictionary<Guid, (long Version, PhaseRanks Ranks)> _cache = new();

    /// <summary>The phase's stored ranks; null when it was never ranked.</summary>
    public async Task<PhaseRanks?> GetAsync(AppDbContext db, Guid phaseId, CancellationToken ct)
    {
        var version = await db.PhaseRankings.Where(r => r.PhaseId == phaseId).Select(r => (long?)r.Version).FirstOrDefaultAsync(ct);
        if (version is null)
        {
            return null;
        }

        if (_cache.TryGetValue(phaseId, out var cached) && cached.Version == version)
        {
            return cached.Ranks;
        }

        var row = await db.PhaseRankings.AsNoTracking().Where(r => r.PhaseId == phaseId).Select(r => new { r.Version, r.Data }).FirstAsync(ct);
        var ranks = PhaseRanks.Unpack(row.Data);
        Remember(phaseId, row.Version, ranks);
        return ranks;
    }

    /// <summary>Stores a phase's new ranks unless they are the ones stored already; call inside the re-ranking's transaction.</summary>
    public async Task WriteAsync(AppDbContext db, Guid phaseId, byte[] data, CancellationToken ct)
    {
        var row = await db.PhaseRankings.FirstOrDefaultAsync(r => r.PhaseId == phaseId, ct);
        if (row is null)
        {
            db.PhaseRankings.Add(row = new PhaseRanking { PhaseId = phaseId, Version = 1, Data = data });
        }
        else if (!row.Data.AsSpan().SequenceEqual(data))
        {
            row.Data = data;
            row.Version++;
        }
        else
        {
            return;
        }

        // Not remembered here: the transaction may still roll back; the next read unpacks the committed row.
        await db.SaveChangesAsync(ct);
    }

    private void Remember(Guid phaseId, long version, PhaseRanks ranks)
    {
        if (_cache.Count >= MaxCachedPhases)
        {
            _cache.Clear();
        }

        _cache[phaseId] = (version, ranks);
    }
}
