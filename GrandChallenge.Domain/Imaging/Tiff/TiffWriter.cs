using BitMiracle.LibTiff.Classic;
using GrandChallenge.Domain.Imaging.Rendering;

namespace GrandChallenge.Domain.Imaging.Tiff;

/// <summary>How <see cref="TiffWriter"/> lays out the file.</summary>
public sealed record TiffWriteOptions
{
    /// <summary>Tile edge in pixels (a multiple of 16); null writes strips of <see cref="RowsPerStrip"/> rows.</summary>
    public int? TileSize { get; init; } = 256;

    public int RowsPerStrip { get; init; } = 16;

    public Compression Compression { get; init; } = Compression.ADOBE_DEFLATE;

    /// <summary>Written as a per-centimetre resolution; null writes no resolution tags.</summary>
    public double? PixelSizeMm { get; init; }
}

/// <summary>
/// Writes (pyramidal) TIFFs from planes: level 0 as the first page, each further level as a reduced-resolution page
/// (SubfileType 1). 8-bit or 16-bit grey, RGB or RGBA.
/// </summary>
public static class TiffWriter
{
    public static void Write(string path, IReadOnlyList<SlicePlane> levels, TiffWriteOptions? options = null)
    {
        options ??= new TiffWriteOptions();
        if (levels.Count == 0)
        {
            throw new ArgumentException("A TIFF needs at least one level.", nameof(levels));
        }

        if (options.TileSize is { } t && (t < 16 || t % 16 != 0))
        {
            throw new ArgumentException("The tile size must be a positive multiple of 16.", nameof(options));
        }

        using var tiff = BitMiracle.LibTiff.Classic.Tiff.Open(path, "w")
            ?? throw new IOException($"{path} cannot be written.");
        for (var i = 0; i < levels.Count; i++)
        {
            WriteLevel(tiff, levels[i], i > 0, options);
        }
    }

    /// <summary>Level 0 followed by halvings (2×2 means) until the longer side is at most <paramref name="smallest"/> pixels.</summary>
    public static List<SlicePlane> Pyramid(SlicePlane level0, int smallest = 256)
    {
        var levels = new List<SlicePlane> { level0 };
        while (Math.Max(levels[^1].Width, levels[^1].Height) > smallest && Math.Min(levels[^1].Width, levels[^1].Height) > 1)
        {
            levels.Add(Halve(levels[^1]));
        }

        return levels;
    }

    public static SlicePlane Halve(SlicePlane p)
    {
        var size = p.PixelType.ByteSize();
        var (w, h) = ((p.Width + 1) / 2, (p.Height + 1) / 2);
        var data = new byte[(long)w * h * p.Channels * size];
        Span<byte> b = stackalloc byte[8];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                for (var c = 0; c < p.Channels; c++)
                {
                    double sum = 0;
                    var n = 0;
                    for (var dy = 0; dy < 2 && (2 * y) + dy < p.Height; dy++)
                    {
                        for (var dx = 0; dx < 2 && (2 * x) + dx < p.Width; dx++)
                        {
                            var at = (((((2 * y) + dy) * p.Width) + (2 * x) + dx) * p.Channels + c) * size;
                            sum += ImageVolume.Decode(p.PixelType, p.Data.AsSpan(at, size));
                            n++;
                        }
                    }

                    ImageVolume.Encode(p.PixelType, sum / n, b[..size]);
                    b[..size].CopyTo(data.AsSpan(((((y * w) + x) * p.Channels) + c) * size));
                }
            }
        }

        return new SlicePlane(w, h, p.Channels, p.PixelType, data);
    }

    private static void WriteLevel(BitMiracle.LibTiff.Classic.Tiff tiff, SlicePlane p, bool reduced, TiffWriteOptions options)
    {
        var size = p.PixelType.ByteSize();
        var element = p.Channels * size;
        tiff.SetField(TiffTag.SUBFILETYPE, reduced ? FileType.REDUCEDIMAGE : 0);
        tiff.SetField(TiffTag.IMAGEWIDTH, p.Width);
        tiff.SetField(TiffTag.IMAGELENGTH, p.Height);
        tiff.SetField(TiffTag.SAMPLESPERPIXEL, p.Channels);
        tiff.SetField(TiffTag.BITSPERSAMPLE, size * 8);
        tiff.SetField(TiffTag.SAMPLEFORMAT, p.PixelType == PixelType.Int16 ? SampleFormat.INT : SampleFormat.UINT);
        tiff.SetField(TiffTag.PHOTOMETRIC, p.Channels >= 3 ? Photometric.RGB : Photometric.MINISBLACK);
        if (p.Channels == 4)
        {
            tiff.SetField(TiffTag.EXTRASAMPLES, 1, new short[] { (short)ExtraSample.UNASSALPHA });
        }

        tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
        tiff.SetField(TiffTag.COMPRESSION, options.Compression);
        if (options.PixelSizeMm is { } mm)
        {
            tiff.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.CENTIMETER);
            tiff.SetField(TiffTag.XRESOLUTION, 10 / mm);
            tiff.SetField(TiffTag.YRESOLUTION, 10 / mm);
        }

        if (options.TileSize is { } tile)
        {
            tiff.SetField(TiffTag.TILEWIDTH, tile);
            tiff.SetField(TiffTag.TILELENGTH, tile);
            var buffer = new byte[tile * tile * element];
            for (var y = 0; y < p.Height; y += tile)
            {
                for (var x = 0; x < p.Width; x += tile)
                {
                    Array.Clear(buffer);
                    var copy = Math.Min(tile, p.Width - x) * element;
                    for (var row = 0; row < tile && y + row < p.Height; row++)
                    {
                        Buffer.BlockCopy(p.Data, (((y + row) * p.Width) + x) * element, buffer, row * tile * element, copy);
                    }

                    if (tiff.WriteTile(buffer, x, y, 0, 0) < 0)
                    {
                        throw new IOException("A TIFF tile could not be written.");
                    }
                }
            }
        }
        else
        {
            var rows = options.RowsPerStrip;
            tiff.SetField(TiffTag.ROWSPERSTRIP, rows);
            var rowBytes = p.Width * element;
            for (int s = 0, y = 0; y < p.Height; s++, y += rows)
            {
                var n = Math.Min(rows, p.Height - y) * rowBytes;
                if (tiff.WriteEncodedStrip(s, p.Data, y * rowBytes, n) < 0)
                {
                    throw new IOException("A TIFF strip could not be written.");
                }
            }
        }

        if (!tiff.WriteDirectory())
        {
            throw new IOException("A TIFF directory could not be written.");
        }
    }
}
