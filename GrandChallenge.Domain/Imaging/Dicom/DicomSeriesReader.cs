using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GrandChallenge.Domain.Imaging.Import;

namespace GrandChallenge.Domain.Imaging.Dicom;

/// <summary>
/// Turns DICOM files into volumes: files are grouped by SeriesInstanceUID, orientation, size and pixel
/// format; the frames of a group are sorted along the slice normal, the slice spacing comes from the
/// positions, repeated positions make timepoints (4-D), and a missing slice refuses the whole group
/// with a message on each of its files. Compressed files are decoded by an <see cref="IDicomDecoder"/>.
/// The volume's tags are de-identified (<see cref="DicomDeidentifier"/>).
/// </summary>
public sealed class DicomSeriesReader(IDicomDecoder decoder)
{
    public DicomSeriesReader()
        : this(DicomDecoderChain.Default)
    {
    }

    /// <summary>Tags kept on the volume (after de-identification), by DICOM keyword.</summary>
    public static IReadOnlyList<(uint Tag, string Keyword)> StoredTags { get; } =
    [
        (0x00100020, "PatientID"),
        (0x00100010, "PatientName"),
        (0x00100030, "PatientBirthDate"),
        (0x00101010, "PatientAge"),
        (0x00100040, "PatientSex"),
        (0x00080020, "StudyDate"),
        (0x0020000D, "StudyInstanceUID"),
        (0x0020000E, "SeriesInstanceUID"),
        (0x00200052, "FrameOfReferenceUID"),
        (0x00081030, "StudyDescription"),
        (0x0008103E, "SeriesDescription"),
        (0x00080060, "Modality"),
        (0x00200011, "SeriesNumber"),
        (0x00180015, "BodyPartExamined"),
        (0x00080070, "Manufacturer"),
        (0x00120062, "PatientIdentityRemoved"),
        (0x00120063, "DeidentificationMethod"),
    ];

    public ImageBuildResult Read(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
    {
        var result = new ImageBuildResult();
        var deidentifier = new DicomDeidentifier(context.DeidentificationKey ?? RandomNumberGenerator.GetBytes(32));
        // Reading and parsing the files is most of the work; spread it over the cores, keep the input order.
        var perFile = new (List<Frame>? Frames, string? Error)[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            try
            {
                perFile[i] = (ReadFrames(files[i], context, ct).ToList(), null);
            }
            catch (ImageFormatException e)
            {
                perFile[i] = (null, e.Message);
            }
        });
        var frames = new List<Frame>();
        for (var i = 0; i < files.Count; i++)
        {
            if (perFile[i].Error is { } error)
            {
                result.AddError(files[i], error);
            }
            else
            {
                frames.AddRange(perFile[i].Frames!);
            }
        }

        var groups = frames.GroupBy(f => f.GroupKey, StringComparer.Ordinal).ToList();
        var seriesCounts = groups.GroupBy(g => g.First().SeriesUid).ToDictionary(g => g.Key, g => g.Count());
        foreach (var group in groups)
        {
            ct.ThrowIfCancellationRequested();
            var groupFiles = group.Select(f => f.Path).Distinct(StringComparer.Ordinal).ToList();
            try
            {
                var volume = Assemble(group.ToList(), context, deidentifier);
                var first = group.OrderBy(f => f.Path, StringComparer.Ordinal).First();
                var name = Path.GetFileNameWithoutExtension(first.Path);
                result.AddImage(new BuiltImage { Name = name, Volume = volume, ConsumedFiles = groupFiles });
            }
            catch (ImageFormatException e)
            {
                var series = seriesCounts[group.First().SeriesUid] > 1 ? $"{e.Message} (one of {seriesCounts[group.First().SeriesUid]} parts of this series)" : e.Message;
                foreach (var file in groupFiles)
                {
                    result.AddError(file, series);
                }
            }
        }

        return result;
    }

    private IEnumerable<Frame> ReadFrames(string path, ImageBuildContext context, CancellationToken ct)
    {
        var name = Path.GetFileName(path);
        var file = DicomFile.Read(path);
        if (file.IsEncapsulated)
        {
            file = decoder.Decode(path, file.TransferSyntaxUid, context.WorkDirectory, ct);
        }

        var pixels = file.PixelMemory ?? throw new ImageFormatException($"{name} holds no image (no pixel data).");
        var format = PixelFormat.Of(file, name);
        var count = file.NumberOfFrames;
        if ((long)format.FrameBytes * count > pixels.Length)
        {
            throw new ImageFormatException(
                $"{name} is truncated: {count} frame(s) of {file.Columns}×{file.Rows} need {(long)format.FrameBytes * count:N0} bytes of pixel data, found {pixels.Length:N0}.");
        }

        var shared = file.GetItem(0x52009229);
        var perFrame = file.GetItems(0x52009230);
        var orientation = Normalise(Lookup(shared, null, 0x00209116, 0x00200037) ?? file.ImageOrientationPatient, name);
        var normal = Cross(orientation);
        var topPosition = file.ImagePositionPatient;
        var step = file.GetNumbers(0x00180088)?.FirstOrDefault() ?? file.SliceThickness ?? 1;
        var instance = file.GetNumbers(0x00200013)?.FirstOrDefault() ?? 0;
        var series = file.SeriesInstanceUid ?? "";
        for (var i = 0; i < count; i++)
        {
            var item = i < perFrame.Count ? perFrame[i] : null;
            var frameOrientation = Normalise(Lookup(shared, item, 0x00209116, 0x00200037) ?? orientation, name);
            var position = Lookup(shared, item, 0x00209113, 0x00200032);
            if (position is null && topPosition is { Length: 3 })
            {
                position = [topPosition[0] + (i * step * normal[0]), topPosition[1] + (i * step * normal[1]), topPosition[2] + (i * step * normal[2])];
            }

            var spacing = Lookup(shared, item, 0x00289110, 0x00280030) ?? file.PixelSpacing ?? file.GetNumbers(0x00181164);
            var slope = Lookup(shared, item, 0x00289145, 0x00281053)?.FirstOrDefault() is { } s && s != 0 ? s : file.RescaleSlope;
            var intercept = Lookup(shared, item, 0x00289145, 0x00281052)?.FirstOrDefault() ?? file.RescaleIntercept;
            var temporal = item?.GetItem(0x00209111)?.GetInt(0x00209128) ?? file.GetInt(0x00200100);
            var key = string.Join(
                '|',
                series,
                file.Rows,
                file.Columns,
                format.Channels,
                format.Signature,
                string.Join(',', frameOrientation.Select(v => Math.Round(v, 3).ToString("0.000", CultureInfo.InvariantCulture))));
            yield return new Frame(path, file, format, i, position is { Length: 3 } ? position : null, frameOrientation,
                spacing is { Length: 2 } ? spacing : null, slope, intercept, temporal, instance, series, key);
        }
    }

    private static double[]? Lookup(DicomDataSet? shared, DicomDataSet? frame, uint sequence, uint tag) =>
        frame?.GetItem(sequence)?.GetNumbers(tag) ?? shared?.GetItem(sequence)?.GetNumbers(tag);

    private static double[] Normalise(double[]? orientation, string name)
    {
        if (orientation is not { Length: 6 })
        {
            return [1, 0, 0, 0, 1, 0];
        }

        var r = Math.Sqrt((orientation[0] * orientation[0]) + (orientation[1] * orientation[1]) + (orientation[2] * orientation[2]));
        var c = Math.Sqrt((orientation[3] * orientation[3]) + (orientation[4] * orientation[4]) + (orientation[5] * orientation[5]));
        if (r < 1e-6 || c < 1e-6)
        {
            throw new ImageFormatException($"{name}: ImageOrientationPatient has a zero-length direction.");
        }

        return [orientation[0] / r, orientation[1] / r, orientation[2] / r, orientation[3] / c, orientation[4] / c, orientation[5] / c];
    }

    private static double[] Cross(double[] o) =>
    [
        (o[1] * o[5]) - (o[2] * o[4]),
        (o[2] * o[3]) - (o[0] * o[5]),
        (o[0] * o[4]) - (o[1] * o[3]),
    ];

    private static ImageVolume Assemble(List<Frame> frames, ImageBuildContext context, DicomDeidentifier deidentifier)
    {
        var first = frames[0];
        var label = first.SeriesUid.Length > 0 ? $"DICOM series {first.SeriesUid}" : "DICOM series without SeriesInstanceUID";
        var orientation = first.Orientation;
        var normal = Cross(orientation);

        // Positions along the normal; frames without a position are ordered by instance number, one unit apart.
        List<List<Frame>> slices;
        var distances = new List<double>();
        if (frames.All(f => f.Position is not null))
        {
            var ordered = frames.OrderBy(f => Dot(f.Position!, normal)).ThenBy(f => f.Temporal ?? int.MaxValue).ThenBy(f => f.Instance).ThenBy(f => f.Index).ToList();
            slices = [];
            foreach (var frame in ordered)
            {
                var d = Dot(frame.Position!, normal);
                if (slices.Count > 0 && Math.Abs(d - distances[^1]) < 1e-3)
                {
                    slices[^1].Add(frame);
                }
                else
                {
                    slices.Add([frame]);
                    distances.Add(d);
                }
            }
        }
        else
        {
            slices = frames.OrderBy(f => f.Instance).ThenBy(f => f.Path, StringComparer.Ordinal).ThenBy(f => f.Index).Select(f => new List<Frame> { f }).ToList();
            distances.AddRange(Enumerable.Range(0, slices.Count).Select(i => (double)i));
        }

        var timepoints = slices[0].Count;
        if (slices.Any(s => s.Count != timepoints))
        {
            var counts = string.Join(", ", slices.GroupBy(s => s.Count).OrderBy(g => g.Key).Select(g => $"{g.Count()} position(s) with {g.Key} frame(s)"));
            throw new ImageFormatException($"{label}: frames repeat unevenly over the slice positions ({counts}), so they form no 3-D or 4-D volume; a frame may be missing.");
        }

        if (timepoints > 1)
        {
            foreach (var slice in slices)
            {
                slice.Sort((a, b) => (a.Temporal ?? 0) != (b.Temporal ?? 0)
                    ? (a.Temporal ?? 0).CompareTo(b.Temporal ?? 0)
                    : a.Instance != b.Instance ? a.Instance.CompareTo(b.Instance) : a.Index.CompareTo(b.Index));
            }
        }

        var sliceSpacing = first.File.GetNumbers(0x00180088)?.FirstOrDefault() ?? first.File.SliceThickness ?? 1;
        if (slices.Count > 1)
        {
            var gaps = new double[slices.Count - 1];
            for (var i = 0; i < gaps.Length; i++)
            {
                gaps[i] = distances[i + 1] - distances[i];
            }

            var median = gaps.Order().ElementAt(gaps.Length / 2);
            for (var i = 0; i < gaps.Length; i++)
            {
                if (gaps[i] > median * 1.5)
                {
                    throw new ImageFormatException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{label}: a slice is missing between {Path.GetFileName(slices[i][0].Path)} and {Path.GetFileName(slices[i + 1][0].Path)} (gap {gaps[i]:0.###} mm along the slice normal where the other slices are {median:0.###} mm apart)."));
                }
            }

            sliceSpacing = first.Position is null ? sliceSpacing : (distances[^1] - distances[0]) / (slices.Count - 1);
        }

        var (pixelType, channels) = ChoosePixelType(frames);
        var width = first.File.Columns;
        var height = first.File.Rows;
        var depth = slices.Count;
        var bytes = ImageVolume.ByteLengthOf(width, height, depth, timepoints, channels, pixelType);
        if (bytes > context.ReadOptions.MaxPixelBytes)
        {
            throw new ImageFormatException($"{label}: {width}×{height}×{depth}×{timepoints} voxels exceed the size limit of {context.ReadOptions.MaxPixelBytes:N0} bytes.");
        }

        var pixelSpacing = first.PixelSpacing ?? [1, 1];
        var origin = slices[0][0].Position ?? [0, 0, 0];
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var deidentified = new DicomDataSet(deidentifier.Deidentify(first.File));
        foreach (var (tag, keyword) in StoredTags)
        {
            if (deidentified.GetString(tag) is { Length: > 0 } value)
            {
                tags[keyword] = value;
            }
        }

        var voi = first.File.GetItem(0x52009229)?.GetItem(0x00289132);
        var volume = new ImageVolume(
            timepoints > 1 ? 4 : 3, width, height, depth, timepoints, channels, pixelType,
            channels == 3 ? ColorSpace.Rgb : ColorSpace.Gray, PixelBuffer.Allocate(bytes, context.ReadOptions))
        {
            Spacing = [pixelSpacing[1], pixelSpacing[0], Math.Abs(sliceSpacing) > 1e-9 ? Math.Abs(sliceSpacing) : 1],
            Origin = origin,
            Direction = [orientation[0], orientation[3], normal[0], orientation[1], orientation[4], normal[1], orientation[2], orientation[5], normal[2]],
            WindowCenter = voi?.GetNumbers(0x00281050)?.FirstOrDefault() ?? first.File.WindowCenter,
            WindowWidth = voi?.GetNumbers(0x00281051)?.FirstOrDefault() ?? first.File.WindowWidth,
            Modality = first.File.Modality,
            Tags = tags,
        };

        try
        {
            var frameBytes = (long)width * height * channels * pixelType.ByteSize();
            Parallel.For(
                0,
                depth * timepoints,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => new byte[frameBytes],
                (index, _, output) =>
                {
                    var frame = slices[index % depth][index / depth];
                    PixelDecoder.Decode(frame.File.PixelMemory!.Value.Span, frame.Index, frame.Format, frame.Slope, frame.Intercept, pixelType, output);
                    volume.Pixels.Write(index * frameBytes, output);
                    return output;
                },
                _ => { });
        }
        catch
        {
            volume.Dispose();
            throw;
        }

        return volume;
    }

    private static double Dot(double[] a, double[] b) => (a[0] * b[0]) + (a[1] * b[1]) + (a[2] * b[2]);

    /// <summary>
    /// Colour is UInt8 RGB. Grey values after rescale: an integer type when every slope and intercept is a whole number
    /// and the rescaled range of the stored values fits (UInt8 for 8-bit data, then Int16/UInt16, Int32), else Float32.
    /// </summary>
    private static (PixelType Type, int Channels) ChoosePixelType(List<Frame> frames)
    {
        var format = frames[0].Format;
        if (format.Channels == 3)
        {
            return (PixelType.UInt8, 3);
        }

        double min = double.MaxValue, max = double.MinValue;
        var integral = true;
        foreach (var frame in frames)
        {
            var (lo, hi) = PixelDecoder.StoredRange(frame.File.PixelMemory!.Value.Span, frame.Index, frame.Format);
            var a = (lo * frame.Slope) + frame.Intercept;
            var b = (hi * frame.Slope) + frame.Intercept;
            min = Math.Min(min, Math.Min(a, b));
            max = Math.Max(max, Math.Max(a, b));
            integral &= frame.Slope == Math.Floor(frame.Slope) && frame.Intercept == Math.Floor(frame.Intercept);
        }

        if (!integral)
        {
            return (PixelType.Float32, 1);
        }

        PixelType[] candidates = format.BitsAllocated == 8
            ? [PixelType.UInt8, PixelType.Int8, PixelType.Int16, PixelType.UInt16, PixelType.Int32]
            : min < 0 ? [PixelType.Int16, PixelType.Int32] : [PixelType.UInt16, PixelType.Int32];
        foreach (var candidate in candidates)
        {
            var (cMin, cMax) = candidate.Range();
            if (min >= cMin && max <= cMax)
            {
                return (candidate, 1);
            }
        }

        return (PixelType.Float32, 1);
    }

    private sealed record Frame(
        string Path,
        DicomFile File,
        PixelFormat Format,
        int Index,
        double[]? Position,
        double[] Orientation,
        double[]? PixelSpacing,
        double Slope,
        double Intercept,
        int? Temporal,
        double Instance,
        string SeriesUid,
        string GroupKey);
}

/// <summary>How one frame's stored pixels are laid out.</summary>
internal sealed record PixelFormat(
    int Width, int Height, int BitsAllocated, int BitsStored, bool Signed, int Channels, string Photometric, bool Planar)
{
    public bool Subsampled => Photometric == "YBR_FULL_422";

    public long FrameBytes => Subsampled ? (long)Width * Height * 2 : (long)Width * Height * Channels * (BitsAllocated / 8);

    public string Signature => $"{BitsAllocated}/{BitsStored}/{Signed}/{Photometric}";

    public static PixelFormat Of(DicomFile file, string name)
    {
        if (file.Rows < 1 || file.Columns < 1)
        {
            throw new ImageFormatException($"{name}: the image has no rows or columns.");
        }

        var photometric = (file.PhotometricInterpretation ?? (file.SamplesPerPixel == 3 ? "RGB" : "MONOCHROME2")).ToUpperInvariant();
        var samples = file.SamplesPerPixel;
        var bits = file.BitsAllocated;
        switch (photometric)
        {
            case "MONOCHROME1" or "MONOCHROME2":
                if (samples != 1 || bits is not (8 or 16 or 32))
                {
                    throw new ImageFormatException($"{name}: {photometric} with {samples} sample(s) of {bits} bits per pixel is not supported (1 sample of 8, 16 or 32 bits).");
                }

                break;
            case "RGB" or "YBR_FULL" or "YBR_FULL_422":
                if (samples != 3 || bits != 8)
                {
                    throw new ImageFormatException($"{name}: {photometric} with {samples} sample(s) of {bits} bits per pixel is not supported (3 samples of 8 bits).");
                }

                break;
            default:
                throw new ImageFormatException($"{name}: photometric interpretation {photometric} is not supported (MONOCHROME1, MONOCHROME2, RGB, YBR_FULL, YBR_FULL_422).");
        }

        var stored = file.BitsStored is > 0 and var b && b <= bits ? b : bits;
        return new PixelFormat(file.Columns, file.Rows, bits, stored, file.PixelRepresentation == 1, samples, photometric, file.PlanarConfiguration == 1);
    }
}

/// <summary>Converts stored frames to the output pixel type: bit masking, sign extension, MONOCHROME1 inversion, rescale, colour.</summary>
internal static class PixelDecoder
{
    public static (double Min, double Max) StoredRange(ReadOnlySpan<byte> data, int frame, PixelFormat format)
    {
        var count = format.Width * format.Height;
        var offset = frame * format.FrameBytes;
        if (Fast16(format))
        {
            var src = MemoryMarshal.Cast<byte, ushort>(data.Slice((int)offset, count * 2));
            int lo = int.MaxValue, hi = int.MinValue;
            for (var i = 0; i < src.Length; i++)
            {
                var v = Stored16(src[i], format);
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }

            return (lo, hi);
        }

        var min = long.MaxValue;
        var max = long.MinValue;
        for (var i = 0; i < count; i++)
        {
            var v = Stored(data, offset, i, format);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return (min, max);
    }

    private static long Stored(ReadOnlySpan<byte> data, long offset, int i, PixelFormat format)
    {
        long raw = format.BitsAllocated switch
        {
            8 => data[(int)(offset + i)],
            16 => BinaryPrimitives.ReadUInt16LittleEndian(data[(int)(offset + (i * 2L))..]),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(data[(int)(offset + (i * 4L))..]),
        };
        var bits = format.BitsStored;
        var mask = bits >= 64 ? -1L : (1L << bits) - 1;
        raw &= mask;
        if (format.Signed && (raw & (1L << (bits - 1))) != 0)
        {
            raw -= 1L << bits;
        }

        if (format.Photometric == "MONOCHROME1")
        {
            raw = format.Signed ? -1 - raw : mask - raw;
        }

        return raw;
    }

    public static void Decode(ReadOnlySpan<byte> data, int frame, PixelFormat format, double slope, double intercept, PixelType type, byte[] output)
    {
        var offset = frame * format.FrameBytes;
        var count = format.Width * format.Height;
        if (format.Channels == 3)
        {
            DecodeColour(data.Slice((int)offset, (int)format.FrameBytes), format, output);
            return;
        }

        if (Fast16(format) && Decode16(data.Slice((int)offset, count * 2), format, slope, intercept, type, output))
        {
            return;
        }

        var size = type.ByteSize();
        var identity = slope == 1 && intercept == 0;
        for (var i = 0; i < count; i++)
        {
            var v = Stored(data, offset, i, format);
            var span = output.AsSpan(i * size, size);
            if (identity && type == PixelType.Int16)
            {
                BinaryPrimitives.WriteInt16LittleEndian(span, (short)v);
            }
            else if (identity && type == PixelType.UInt16)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v);
            }
            else
            {
                ImageVolume.Encode(type, (v * slope) + intercept, span);
            }
        }
    }

    // 16-bit grey frames, the bulk of CT and MR: typed loops instead of one call per voxel.
    private static bool Fast16(PixelFormat format) => format.BitsAllocated == 16 && format.Channels == 1 && BitConverter.IsLittleEndian;

    private static int Stored16(ushort raw, PixelFormat format)
    {
        var bits = format.BitsStored;
        var v = raw & ((1 << bits) - 1);
        if (format.Signed && (v & (1 << (bits - 1))) != 0)
        {
            v -= 1 << bits;
        }

        if (format.Photometric == "MONOCHROME1")
        {
            v = format.Signed ? -1 - v : ((1 << bits) - 1) - v;
        }

        return v;
    }

    private static bool Decode16(ReadOnlySpan<byte> bytes, PixelFormat format, double slope, double intercept, PixelType type, byte[] output)
    {
        var src = MemoryMarshal.Cast<byte, ushort>(bytes);
        var plain = format.BitsStored == 16 && format.Photometric != "MONOCHROME1";
        var whole = slope == 1 && intercept == Math.Floor(intercept) && Math.Abs(intercept) < int.MaxValue;
        var shift = (int)intercept;
        switch (type)
        {
            case PixelType.Int16 when whole:
                {
                    var dst = MemoryMarshal.Cast<byte, short>(output.AsSpan());
                    if (plain && format.Signed && shift == 0)
                    {
                        src.CopyTo(MemoryMarshal.Cast<short, ushort>(dst));
                        return true;
                    }

                    for (var i = 0; i < src.Length; i++)
                    {
                        dst[i] = (short)Math.Clamp(Stored16(src[i], format) + shift, short.MinValue, short.MaxValue);
                    }

                    return true;
                }

            case PixelType.UInt16 when whole:
                {
                    var dst = MemoryMarshal.Cast<byte, ushort>(output.AsSpan());
                    if (plain && !format.Signed && shift == 0)
                    {
                        src.CopyTo(dst);
                        return true;
                    }

                    for (var i = 0; i < src.Length; i++)
                    {
                        dst[i] = (ushort)Math.Clamp(Stored16(src[i], format) + shift, ushort.MinValue, ushort.MaxValue);
                    }

                    return true;
                }

            case PixelType.Float32:
                {
                    var dst = MemoryMarshal.Cast<byte, float>(output.AsSpan());
                    for (var i = 0; i < src.Length; i++)
                    {
                        dst[i] = (float)((Stored16(src[i], format) * slope) + intercept);
                    }

                    return true;
                }

            default:
                return false;
        }
    }

    private static void DecodeColour(ReadOnlySpan<byte> src, PixelFormat format, byte[] output)
    {
        var count = format.Width * format.Height;
        if (format.Subsampled)
        {
            // YBR_FULL_422: Y1 Y2 Cb Cr for each pair of pixels.
            for (var i = 0; i + 1 < count; i += 2)
            {
                var p = i * 2;
                Ybr(src[p], src[p + 2], src[p + 3], output.AsSpan(i * 3, 3));
                Ybr(src[p + 1], src[p + 2], src[p + 3], output.AsSpan((i + 1) * 3, 3));
            }

            return;
        }

        for (var i = 0; i < count; i++)
        {
            byte a, b, c;
            if (format.Planar)
            {
                (a, b, c) = (src[i], src[count + i], src[(2 * count) + i]);
            }
            else
            {
                (a, b, c) = (src[i * 3], src[(i * 3) + 1], src[(i * 3) + 2]);
            }

            if (format.Photometric == "RGB")
            {
                output[i * 3] = a;
                output[(i * 3) + 1] = b;
                output[(i * 3) + 2] = c;
            }
            else
            {
                Ybr(a, b, c, output.AsSpan(i * 3, 3));
            }
        }
    }

    private static void Ybr(byte y, byte cb, byte cr, Span<byte> rgb)
    {
        rgb[0] = Clamp(y + (1.402 * (cr - 128)));
        rgb[1] = Clamp(y - (0.344136 * (cb - 128)) - (0.714136 * (cr - 128)));
        rgb[2] = Clamp(y + (1.772 * (cb - 128)));
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
