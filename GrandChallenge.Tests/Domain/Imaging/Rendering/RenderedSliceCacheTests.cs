using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Rendering;

namespace GrandChallenge.Tests.Domain.Imaging.Rendering;

[Trait("Category", "Unit")]
public sealed class RenderedSliceCacheTests
{
    private static readonly Guid Image = Guid.NewGuid();

    private static SliceCacheKey Key(int index, Guid? image = null) => new(image ?? Image, SliceAxis.Z, index, 0, null, null, null);

    private static RenderedSlice Slice(int bytes, byte fill = 1) => RenderedSlice.From(Enumerable.Repeat(fill, bytes).ToArray(), 1, 1);

    [Fact]
    public void Least_recently_used_slices_go_first_once_the_bytes_pass_the_bound()
    {
        var cache = new RenderedSliceCache(300);
        cache.Add(Key(0), Slice(100));
        cache.Add(Key(1), Slice(100));
        cache.Add(Key(2), Slice(100));
        cache.TryGet(Key(0), out _).Should().BeTrue("touching slice 0 makes slice 1 the oldest");

        cache.Add(Key(3), Slice(150));

        cache.TryGet(Key(1), out _).Should().BeFalse();
        cache.TryGet(Key(2), out _).Should().BeFalse();
        cache.TryGet(Key(0), out _).Should().BeTrue();
        cache.TryGet(Key(3), out _).Should().BeTrue();
        (cache.Count, cache.Bytes).Should().Be((2, 250));
    }

    [Fact]
    public void A_slice_larger_than_the_bound_is_not_kept_and_evicts_nothing()
    {
        var cache = new RenderedSliceCache(100);
        cache.Add(Key(0), Slice(60));
        cache.GetOrAdd(Key(1), () => Slice(101)).Png.Should().HaveCount(101);
        cache.TryGet(Key(1), out _).Should().BeFalse();
        cache.TryGet(Key(0), out _).Should().BeTrue();
    }

    [Fact]
    public void Replacing_a_key_counts_its_bytes_once()
    {
        var cache = new RenderedSliceCache(1000);
        cache.Add(Key(0), Slice(100));
        cache.Add(Key(0), Slice(200));
        (cache.Count, cache.Bytes).Should().Be((1, 200));
    }

    [Fact]
    public void Keys_differ_by_every_request_parameter()
    {
        var requests = new[]
        {
            new SliceRequest(SliceAxis.Z, 1),
            new SliceRequest(SliceAxis.Y, 1),
            new SliceRequest(SliceAxis.Z, 2),
            new SliceRequest(SliceAxis.Z, 1, 1),
            new SliceRequest(SliceAxis.Z, 1, 0, 40),
            new SliceRequest(SliceAxis.Z, 1, 0, 40, 400),
            new SliceRequest(SliceAxis.Z, 1, 0, null, null, 256),
        };
        requests.Select(r => SliceCacheKey.For(Image, r)).Distinct().Should().HaveCount(requests.Length);
        SliceCacheKey.For(Image, requests[0]).Should().NotBe(SliceCacheKey.For(Guid.NewGuid(), requests[0]));
        SliceCacheKey.For(Image, new SliceRequest(SliceAxis.Z, 1, 0, 40, 400)).Should().Be(SliceCacheKey.For(Image, requests[5]));
    }

    [Fact]
    public void Etag_is_stable_across_renders_and_cache_hits_and_differs_between_pictures()
    {
        using var volume = TestImages.Ramp(3, 16, 16, 4);
        var cache = new RenderedSliceCache(1 << 20);
        var renders = 0;
        RenderedSlice Get(int index) => cache.GetOrAdd(Key(index), () =>
        {
            renders++;
            return SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, index, 0, 3000, 8000));
        });

        var first = Get(1);
        var hit = Get(1);
        renders.Should().Be(1);
        hit.Should().BeSameAs(first);
        SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 1, 0, 3000, 8000)).ETag.Should().Be(first.ETag, "a re-render gives the same bytes");
        Get(2).ETag.Should().NotBe(first.ETag);
    }

    [Fact]
    public void Removing_an_image_drops_only_its_slices()
    {
        var other = Guid.NewGuid();
        var cache = new RenderedSliceCache(1000);
        cache.Add(Key(0), Slice(10));
        cache.Add(Key(1), Slice(10));
        cache.Add(Key(0, other), Slice(10));
        cache.Remove(Image);
        (cache.Count, cache.Bytes).Should().Be((1, 10));
        cache.TryGet(Key(0, other), out _).Should().BeTrue();
    }

    [Fact]
    public void Concurrent_use_keeps_the_byte_count_right()
    {
        var cache = new RenderedSliceCache(5_000);
        Parallel.For(0, 2_000, i =>
        {
            cache.GetOrAdd(Key(i % 300), () => Slice(10 + (i % 300)));
        });
        cache.Bytes.Should().BeLessThanOrEqualTo(5_000);
        var sum = Enumerable.Range(0, 300).Sum(i => cache.TryGet(Key(i), out var s) ? s.Png.Length : 0);
        sum.Should().Be((int)cache.Bytes);
    }
}
