using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>What identifies a rendered slice: the image and every request parameter (null window = the default one).</summary>
public readonly record struct SliceCacheKey(
    Guid ImageId, SliceAxis Axis, int Index, int Timepoint, double? WindowCenter, double? WindowWidth, int? MaxSize)
{
    public static SliceCacheKey For(Guid imageId, SliceRequest request) => new(
        imageId, request.Axis, request.Index, request.Timepoint, request.WindowCenter, request.WindowWidth, request.MaxSize);
}

public sealed class SliceRenderingOptions
{
    public const string SectionName = "SliceRendering";

    /// <summary>Upper bound on the PNG bytes the rendered-slice cache keeps (default 256 MiB).</summary>
    [Range(0, long.MaxValue)]
    public long CacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Where compressed .mha files are kept decompressed so their slices can be mapped; default a temp folder.</summary>
    public string? ScratchDirectory { get; set; }
}

/// <summary>
/// Rendered slices, least recently used evicted first once their PNG bytes pass the bound. Thread-safe. A picture
/// larger than the whole bound is returned but not kept.
/// </summary>
public sealed class RenderedSliceCache(long maxBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SliceCacheKey, LinkedListNode<(SliceCacheKey Key, RenderedSlice Slice)>> _entries = [];
    private readonly LinkedList<(SliceCacheKey Key, RenderedSlice Slice)> _recency = new();

    public long MaxBytes { get; } = maxBytes >= 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes));

    public long Bytes { get; private set; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(SliceCacheKey key, out RenderedSlice slice)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                slice = node.Value.Slice;
                return true;
            }
        }

        slice = null!;
        return false;
    }

    public void Add(SliceCacheKey key, RenderedSlice slice)
    {
        var size = slice.Png.LongLength;
        if (size > MaxBytes)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old);
                Bytes -= old.Value.Slice.Png.LongLength;
            }

            while (Bytes + size > MaxBytes && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                _entries.Remove(last.Value.Key);
                Bytes -= last.Value.Slice.Png.LongLength;
            }

            _entries[key] = _recency.AddFirst((key, slice));
            Bytes += size;
        }
    }

    /// <summary>The cached slice, or <paramref name="render"/>'s result, kept. Two callers may render the same miss; both get equal pictures.</summary>
    public RenderedSlice GetOrAdd(SliceCacheKey key, Func<RenderedSlice> render)
    {
        if (TryGet(key, out var slice))
        {
            return slice;
        }

        slice = render();
        Add(key, slice);
        return slice;
    }

    /// <summary>Drops every slice of an image (after it is deleted or replaced).</summary>
    public void Remove(Guid imageId)
    {
        lock (_lock)
        {
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Key.ImageId == imageId)
                {
                    _recency.Remove(node);
                    _entries.Remove(node.Value.Key);
                    Bytes -= node.Value.Slice.Png.LongLength;
                }

                node = next;
            }
        }
    }
}
