using System.Diagnostics;
using System.Text.Json;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Rendering;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Benchmarks;

/// <summary>
/// Slice rendering of a 512×512×300 Int16 CT-like volume stored as an uncompressed .mha and memory-mapped: median of
/// <see cref="Runs"/> renders (read the slice, window, encode PNG) of axial (512×512) and sagittal (512×300) slices,
/// against two baselines measured in the same run: copying the slice's voxels out of the mapping alone, and SkiaSharp
/// encoding the same-sized 8-bit picture alone. Then cache-served slices per second through <see cref="ImageSliceService"/>
/// against its rendering rate. Records artifacts/bench/slices.json; fails only on a nonsensical outcome or a wildly slow
/// run. Run with bench/slices.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class SliceBenchmark(ITestOutputHelper output) : IDisposable
{
    private const int Width = 512;
    private const int Height = 512;
    private const int Depth = 300;
    private const int Runs = 40;
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-slice-bench");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Slices_of_a_512x512x300_volume()
    {
        var blobs = new LocalBlobStore(new DataDirectory(_root));
        var image = new Image { Name = "ct.mha", Width = Width, Height = Height, Depth = Depth, PixelType = "Int16" };
        var file = new ImageFile { ImageId = image.Id, FileName = "ct.mha", ImageType = ImageFileType.Mhd };
        image.Files.Add(file);
        using (var volume = Phantom())
        {
            using var scratch = new FileStream(Path.Combine(_root, "ct.mha"), FileMode.Create);
            MetaImageWriter.Write(volume, scratch, compress: false);
            scratch.Position = 0;
            await blobs.WriteAsync(file.BlobKey, scratch);
        }

        using var source = MappedMetaImageSliceSource.TryOpenMapped(blobs.LocalPath(file.BlobKey))!;
        source.Should().NotBeNull();

        var figures = new Dictionary<string, object>();
        foreach (var (name, axis, index) in new[] { ("axial", SliceAxis.Z, Depth / 2), ("sagittal", SliceAxis.X, Width / 2) })
        {
            var request = new SliceRequest(axis, index, 0, 40, 400);
            var plane = source.ReadSlice(axis, index, 0, null);
            // The encode-only baseline encodes the very picture the renderer makes.
            using var picture = SKBitmap.Decode(SliceRenderer.Render(source, request).Png, new SKImageInfo(plane.Width, plane.Height, SKColorType.Gray8, SKAlphaType.Opaque));
            var grey = picture.Bytes;

            var copy = Measure(() => source.ReadSlice(axis, index, 0, null));
            var encode = Measure(() => EncodeOnly(grey, plane.Width, plane.Height));
            var render = Measure(() => SliceRenderer.Render(source, request));
            var fromPlane = Measure(() => SliceRenderer.Render(plane, 40, 400, null));
            var png = SliceRenderer.Render(source, request).Png.Length;
            figures[name] = new
            {
                width = plane.Width,
                height = plane.Height,
                png_bytes = png,
                render_p50_ms = Math.Round(render, 3),
                slice_copy_p50_ms = Math.Round(copy, 3),
                png_encode_only_p50_ms = Math.Round(encode, 3),
                window_and_encode_p50_ms = Math.Round(fromPlane, 3),
                render_over_encode = Math.Round(render / encode, 2),
                render_over_copy = Math.Round(render / copy, 1),
            };
            output.WriteLine(
                $"{name,-9} {plane.Width}×{plane.Height}: render p50 {render,6:F2} ms   copy slice {copy,5:F2} ms   Skia PNG encode alone {encode,5:F2} ms   window+encode {fromPlane,5:F2} ms   render/encode {render / encode:F2}   PNG {png:N0} B");
            render.Should().BeLessThan(500, "a shared CI machine may be slow, but never this slow");
        }

        // Cache: 100 distinct axial slices rendered once, then served again and again.
        var cache = new RenderedSliceCache(256L * 1024 * 1024);
        var service = new ImageSliceService(blobs, cache, Options.Create(new SliceRenderingOptions()));
        var requests = Enumerable.Range(0, 100).Select(i => new SliceRequest(SliceAxis.Z, i * 3, 0, 40, 400)).ToList();
        var renderClock = Stopwatch.StartNew();
        foreach (var r in requests)
        {
            await service.RenderSliceAsync(image, r);
        }

        var renderedPerSecond = requests.Count / renderClock.Elapsed.TotalSeconds;
        cache.Count.Should().Be(requests.Count);
        var served = 0;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 1000)
        {
            foreach (var r in requests)
            {
                (await service.RenderSliceAsync(image, r)).Png.Should().NotBeNull();
                served++;
            }
        }

        var servedPerSecond = served / clock.Elapsed.TotalSeconds;
        figures["cache"] = new
        {
            cached_slices = requests.Count,
            cache_bytes = cache.Bytes,
            served_per_second = Math.Round(servedPerSecond),
            rendered_per_second_uncached = Math.Round(renderedPerSecond, 1),
            cached_over_uncached = Math.Round(servedPerSecond / renderedPerSecond, 0),
        };
        output.WriteLine(
            $"cache: {servedPerSecond:N0} slices/s served from cache vs {renderedPerSecond:N1} slices/s rendered (×{servedPerSecond / renderedPerSecond:N0})");
        servedPerSecond.Should().BeGreaterThan(200);

        var json = JsonSerializer.Serialize(
            new { volume = $"{Width}x{Height}x{Depth} int16 .mha, uncompressed, memory-mapped", runs = Runs, figures },
            new JsonSerializerOptions { WriteIndented = true });
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "bench");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "slices.json"), json);
        output.WriteLine(json);
    }

    /// <summary>A CT-like phantom: air around an ellipse of soft tissue (with noise) holding a bright bone ring.</summary>
    private static ImageVolume Phantom()
    {
        var volume = ImageVolume.Allocate(3, Width, Height, Depth, 1, 1, PixelType.Int16, ColorSpace.Gray);
        var random = new Random(5);
        var slice = new byte[Width * Height * 2];
        for (var z = 0; z < Depth; z++)
        {
            for (var y = 0; y < Height; y++)
            {
                for (var x = 0; x < Width; x++)
                {
                    var dx = (x - 256) / 220.0;
                    var dy = (y - 256) / (160.0 + (z * 0.1));
                    var r = (dx * dx) + (dy * dy);
                    var v = r > 1 ? -1000 + random.Next(-20, 20)
                        : r > 0.8 ? 700 + random.Next(-50, 50)
                        : 40 + random.Next(-30, 30);
                    BitConverter.TryWriteBytes(slice.AsSpan(((y * Width) + x) * 2), (short)v);
                }
            }

            volume.Pixels.Write((long)z * slice.Length, slice);
        }

        return volume;
    }

    private static byte[] EncodeOnly(byte[] grey, int width, int height, SKPngEncoderOptions? options = null)
    {
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(grey, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), width);
            using var data = pixmap.Encode(options ?? SliceRenderer.PngOptions);
            return data!.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }

    private static double Measure<T>(Func<T> run)
    {
        for (var i = 0; i < 5; i++)
        {
            GC.KeepAlive(run());
        }

        var samples = new List<double>(Runs);
        for (var i = 0; i < Runs; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var result = run();
            stopwatch.Stop();
            GC.KeepAlive(result);
            samples.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        var sorted = samples.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
