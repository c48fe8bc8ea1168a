using System.Globalization;
using BitMiracle.LibTiff.Classic;
using GrandChallenge.Domain.Imaging.Rendering;

namespace GrandChallenge.Domain.Imaging.Tiff;

/// <summary>One resolution of a TIFF: the directory that holds it and its size.</summary>
public sealed record TiffLevel(short Directory, int Width, int Height);

/// <summary>
/// An open TIFF read as an image pyramid: level 0 is the first directory, further levels are the later directories
/// of the same sample layout that are smaller (reduced-resolution pages, or pages tiled like the first), largest first.
/// Reads 8- and 16-bit grey and RGB(A), striped or tiled, any compression LibTiff decodes (JPEG YCbCr is read as RGB).
/// Not thread-safe. Every failure is an <see cref="ImageFormatException"/> naming the file.
/// </summary>
public sealed class TiffPyramid : IDisposable
{
    /// <summary>The largest level <see cref="ReadLevel"/> decodes whole (512 MiB of pixels).</summary>
    public const long MaxLevelBytes = 512L * 1024 * 1024;

    private readonly BitMiracle.LibTiff.Classic.Tiff _tiff;
    private readonly string _name;
    private readonly bool _jpegYCbCr;

    static TiffPyramid() => BitMiracle.LibTiff.Classic.Tiff.SetErrorHandler(new CollectingErrorHandler());

    private TiffPyramid(BitMiracle.LibTiff.Classic.Tiff tiff, string name)
    {
        _tiff = tiff;
        _name = name;
        try
        {
            var spp = Int(TiffTag.SAMPLESPERPIXEL, 1);
            var bits = Int(TiffTag.BITSPERSAMPLE, 1);
            var format = (SampleFormat)Int(TiffTag.SAMPLEFORMAT, (int)SampleFormat.UINT);
            var photometric = (Photometric)Int(TiffTag.PHOTOMETRIC, -1);
            var compression = (Compression)Int(TiffTag.COMPRESSION, (int)Compression.NONE);
            var planar = (PlanarConfig)Int(TiffTag.PLANARCONFIG, (int)PlanarConfig.CONTIG);

            PixelType = (bits, format) switch
            {
                (8, SampleFormat.UINT) => PixelType.UInt8,
                (16, SampleFormat.UINT) => PixelType.UInt16,
                (16, SampleFormat.INT) => PixelType.Int16,
                _ => throw Error($"{bits}-bit {format.ToString().ToLowerInvariant()} samples are not supported (8- or 16-bit grey, 8- or 16-bit RGB)"),
            };

            if (spp > 1 && planar != PlanarConfig.CONTIG)
            {
                throw Error("colour planes stored separately (PlanarConfiguration 2) are not supported");
            }

            (Channels, ColorSpace) = (photometric, spp) switch
            {
                (Photometric.MINISBLACK, 1) => (1, ColorSpace.Gray),
                (Photometric.RGB, 3) => (3, ColorSpace.Rgb),
                (Photometric.RGB, 4) => (4, ColorSpace.Rgba),
                (Photometric.YCBCR, 3) when compression == Compression.JPEG => (3, ColorSpace.Rgb),
                _ => throw Error($"photometric interpretation {photometric} with {spp} samples per pixel is not supported (grey or RGB)"),
            };
            _jpegYCbCr = photometric == Photometric.YCBCR;

            var unit = (ResUnit)Int(TiffTag.RESOLUTIONUNIT, (int)ResUnit.INCH);
            if (unit == ResUnit.CENTIMETER)
            {
                VoxelWidthMm = MmPerPixel(TiffTag.XRESOLUTION);
                VoxelHeightMm = MmPerPixel(TiffTag.YRESOLUTION);
            }

            Levels = FindLevels(spp, bits, photometric, tiff.IsTiled());
        }
        catch
        {
            tiff.Dispose();
            throw;
        }
    }

    public IReadOnlyList<TiffLevel> Levels { get; }

    public int Width => Levels[0].Width;

    public int Height => Levels[0].Height;

    public int Channels { get; }

    public PixelType PixelType { get; }

    public ColorSpace ColorSpace { get; }

    /// <summary>From the resolution tags, only when they are per centimetre (a per-inch resolution is usually a screen default).</summary>
    public double? VoxelWidthMm { get; }

    public double? VoxelHeightMm { get; }

    public static TiffPyramid Open(string path)
    {
        var name = Path.GetFileName(path);
        CollectingErrorHandler.Clear();
        BitMiracle.LibTiff.Classic.Tiff? tiff;
        try
        {
            tiff = BitMiracle.LibTiff.Classic.Tiff.Open(path, "r");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageFormatException($"{name} is not a readable TIFF file ({e.Message}).", e);
        }

        if (tiff is null)
        {
            throw new ImageFormatException($"{name} is not a readable TIFF file{CollectingErrorHandler.Describe()}.");
        }

        return new TiffPyramid(tiff, name);
    }

    /// <summary>The level with the fewest pixels whose longer side still covers <paramref name="maxSize"/>; level 0 without a size.</summary>
    public int LevelFor(int? maxSize)
    {
        if (maxSize is not { } size)
        {
            return 0;
        }

        for (var i = Levels.Count - 1; i > 0; i--)
        {
            if (Math.Max(Levels[i].Width, Levels[i].Height) >= size)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>Decodes a whole level into a plane (little-endian samples, channels interleaved).</summary>
    public SlicePlane ReadLevel(int level)
    {
        try
        {
            return ReadLevelUnchecked(level);
        }
        catch (Exception e) when (e is not (ImageFormatException or SliceRequestException or OutOfMemoryException))
        {
            // LibTiff's decoders throw on some damaged data instead of reporting an error.
            throw Error($"level {level} cannot be decoded ({e.Message})");
        }
    }

    private SlicePlane ReadLevelUnchecked(int level)
    {
        var (directory, width, height) = Levels[level];
        var element = Channels * PixelType.ByteSize();
        var bytes = (long)width * height * element;
        if (bytes > MaxLevelBytes)
        {
            throw new SliceRequestException(
                $"{_name}: level {level} ({width}×{height}) is too large to render whole; ask for a smaller size.");
        }

        Select(directory);
        var data = new byte[bytes];
        var rowBytes = width * element;
        CollectingErrorHandler.Clear();
        if (_tiff.IsTiled())
        {
            var tileWidth = Int(TiffTag.TILEWIDTH, 0);
            var tileHeight = Int(TiffTag.TILELENGTH, 0);
            if (tileWidth < 1 || tileHeight < 1)
            {
                throw Error("the tile size is missing");
            }

            var tile = new byte[Math.Max(_tiff.TileSize(), tileWidth * tileHeight * element)];
            for (var y = 0; y < height; y += tileHeight)
            {
                for (var x = 0; x < width; x += tileWidth)
                {
                    if (_tiff.ReadTile(tile, 0, x, y, 0, 0) < 0)
                    {
                        throw Error($"the tile at ({x}, {y}) of level {level} cannot be read{CollectingErrorHandler.Describe()}");
                    }

                    var copy = Math.Min(tileWidth, width - x) * element;
                    for (var row = 0; row < tileHeight && y + row < height; row++)
                    {
                        Buffer.BlockCopy(tile, row * tileWidth * element, data, ((y + row) * rowBytes) + (x * element), copy);
                    }
                }
            }
        }
        else
        {
            var rowsPerStrip = Math.Min(Int(TiffTag.ROWSPERSTRIP, height), height);
            var strip = new byte[Math.Max(_tiff.StripSize(), rowsPerStrip * rowBytes)];
            for (int s = 0, y = 0; y < height; s++, y += rowsPerStrip)
            {
                var rows = Math.Min(rowsPerStrip, height - y);
                var got = _tiff.ReadEncodedStrip(s, strip, 0, -1);
                if (got < rows * rowBytes)
                {
                    throw Error($"strip {s} of level {level} cannot be read{CollectingErrorHandler.Describe()}");
                }

                Buffer.BlockCopy(strip, 0, data, y * rowBytes, rows * rowBytes);
            }
        }

        return new SlicePlane(width, height, Channels, PixelType, data);
    }

    /// <summary>
    /// Decodes enough to trust the file: every level up to 16 megapixels whole, of larger ones the first and last
    /// tile or strip (truncation and corrupt data show there). Throws <see cref="ImageFormatException"/>.
    /// </summary>
    public void Validate()
    {
        for (var level = 0; level < Levels.Count; level++)
        {
            var (directory, width, height) = Levels[level];
            if ((long)width * height <= 16L * 1024 * 1024)
            {
                try
                {
                    ReadLevel(level);
                }
                catch (SliceRequestException e)
                {
                    throw new ImageFormatException(e.Message);
                }

                continue;
            }

            Select(directory);
            CollectingErrorHandler.Clear();
            if (_tiff.IsTiled())
            {
                var tile = new byte[_tiff.TileSize()];
                var last = _tiff.NumberOfTiles() - 1;
                if (_tiff.ReadEncodedTile(0, tile, 0, -1) < 0 || _tiff.ReadEncodedTile(last, tile, 0, -1) < 0)
                {
                    throw Error($"the tiles of level {level} cannot be read{CollectingErrorHandler.Describe()}");
                }
            }
            else
            {
                var strip = new byte[_tiff.StripSize()];
                var last = _tiff.NumberOfStrips() - 1;
                if (_tiff.ReadEncodedStrip(0, strip, 0, -1) < 0 || _tiff.ReadEncodedStrip(last, strip, 0, -1) < 0)
                {
                    throw Error($"the strips of level {level} cannot be read{CollectingErrorHandler.Describe()}");
                }
            }
        }
    }

    public void Dispose() => _tiff.Dispose();

    private List<TiffLevel> FindLevels(int spp, int bits, Photometric photometric, bool tiled)
    {
        CollectingErrorHandler.Clear();
        var count = _tiff.NumberOfDirectories();
        if (CollectingErrorHandler.Any)
        {
            throw Error($"the chain of directories is damaged{CollectingErrorHandler.Describe()}");
        }

        var levels = new List<TiffLevel>();
        for (short d = 0; d < count; d++)
        {
            Select(d);
            var width = Int(TiffTag.IMAGEWIDTH, 0);
            var height = Int(TiffTag.IMAGELENGTH, 0);
            if (width < 1 || height < 1)
            {
                if (d == 0)
                {
                    throw Error($"the image size {width}×{height} is empty");
                }

                continue;
            }

            var reduced = ((FileType)Int(TiffTag.SUBFILETYPE, 0) & FileType.REDUCEDIMAGE) != 0;
            var sameLayout = Int(TiffTag.SAMPLESPERPIXEL, 1) == spp && Int(TiffTag.BITSPERSAMPLE, 1) == bits
                && (Photometric)Int(TiffTag.PHOTOMETRIC, -1) == photometric;
            if (d == 0 || (sameLayout && (reduced || _tiff.IsTiled() == tiled) && width < levels[^1].Width && height <= levels[^1].Height))
            {
                levels.Add(new TiffLevel(d, width, height));
            }
        }

        Select(0);
        return levels;
    }

    private void Select(short directory)
    {
        if (!_tiff.SetDirectory(directory))
        {
            throw Error($"directory {directory} cannot be read{CollectingErrorHandler.Describe()}");
        }

        if (_jpegYCbCr)
        {
            _tiff.SetField(TiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
        }
    }

    private int Int(TiffTag tag, int fallback)
    {
        var value = _tiff.GetField(tag);
        if (value is { Length: > 0 })
        {
            return value[0].ToInt();
        }

        var defaulted = _tiff.GetFieldDefaulted(tag);
        return defaulted is { Length: > 0 } ? defaulted[0].ToInt() : fallback;
    }

    private double? MmPerPixel(TiffTag tag)
    {
        var value = _tiff.GetField(tag);
        var perCm = value is { Length: > 0 } ? value[0].ToDouble() : 0;
        return perCm > 0 && double.IsFinite(perCm) ? 10 / perCm : null;
    }

    private ImageFormatException Error(string message) => new($"{_name}: {message}.");

    /// <summary>Keeps LibTiff's messages (per thread) for the exception instead of writing them to the console.</summary>
    private sealed class CollectingErrorHandler : TiffErrorHandler
    {
        [ThreadStatic]
        private static List<string>? t_messages;

        public static bool Any => t_messages is { Count: > 0 };

        public static void Clear() => t_messages?.Clear();

        public static string Describe() =>
            t_messages is { Count: > 0 } m ? $" ({string.Join("; ", m.Distinct().Take(3))})" : "";

        public override void ErrorHandler(BitMiracle.LibTiff.Classic.Tiff tif, string method, string format, params object[] args)
        {
            string text;
            try
            {
                text = string.Format(CultureInfo.InvariantCulture, format, args);
            }
            catch (FormatException)
            {
                text = format;
            }

            (t_messages ??= []).Add(text);
        }

        public override void ErrorHandlerExt(BitMiracle.LibTiff.Classic.Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }

        public override void WarningHandler(BitMiracle.LibTiff.Classic.Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(BitMiracle.LibTiff.Classic.Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
