using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Dicom;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Domain.Imaging.Dicom;

/// <summary>A data element for the test writer; a sequence has items instead of a value.</summary>
internal sealed record El(uint Tag, string Vr, byte[] Value, IReadOnlyList<IReadOnlyList<El>>? Items = null)
{
    public static El Text(uint tag, string vr, string text)
    {
        var pad = vr == "UI" ? "\0" : " ";
        return new(tag, vr, Encoding.ASCII.GetBytes(text.Length % 2 == 1 ? text + pad : text));
    }

    public static El Numbers(uint tag, params double[] values) =>
        Text(tag, "DS", string.Join('\\', values.Select(v => v.ToString("0.######", CultureInfo.InvariantCulture))));

    public static El U16(uint tag, int value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
        return new(tag, "US", b);
    }

    public static El U32(uint tag, uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return new(tag, "UL", b);
    }

    public static El Sequence(uint tag, params IReadOnlyList<El>[] items) => new(tag, "SQ", [], items);
}

/// <summary>What one test slice (or multi-frame file) holds; defaults make a 4×3 CT slice.</summary>
internal sealed record SliceSpec
{
    private static int _counter;

    public string SeriesUid { get; init; } = "1.2.826.0.1.3680043.2.1125.1.1";
    public string StudyUid { get; init; } = "1.2.826.0.1.3680043.2.1125.1";
    public string SopUid { get; init; } = "1.2.826.0.1.3680043.2.1125.2." + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
    public int Width { get; init; } = 4;
    public int Height { get; init; } = 3;
    public int Frames { get; init; } = 1;
    public int BitsAllocated { get; init; } = 16;
    public int BitsStored { get; init; } = 16;
    public bool Signed { get; init; } = true;
    public int Samples { get; init; } = 1;
    public int Planar { get; init; }
    public string Photometric { get; init; } = "MONOCHROME2";
    public double[]? Position { get; init; } = [0, 0, 0];
    public double[]? Orientation { get; init; } = [1, 0, 0, 0, 1, 0];
    public double[] PixelSpacing { get; init; } = [0.5, 0.75];
    public double SliceThickness { get; init; } = 9;
    public double? Slope { get; init; }
    public double? Intercept { get; init; }
    public int Instance { get; init; } = 1;
    public int? Temporal { get; init; }
    public string Modality { get; init; } = "CT";
    /// <summary>Pixel bytes as stored (little endian, all frames).</summary>
    public byte[] Pixels { get; init; } = [];
    public List<El> Extra { get; init; } = [];
    /// <summary>Per-frame functional groups (multi-frame): one list of elements per frame.</summary>
    public List<IReadOnlyList<El>>? PerFrame { get; init; }
}

internal static class DicomTestData
{
    private static readonly HashSet<string> LongVrs = ["OB", "OD", "OF", "OL", "OW", "SQ", "UC", "UN", "UR", "UT"];

    public static List<El> Elements(SliceSpec s)
    {
        var list = new List<El>
        {
            El.Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.2"),
            El.Text(0x00080018, "UI", s.SopUid),
            El.Text(0x00080060, "CS", s.Modality),
            El.Text(0x00100010, "PN", "Test^Patient"),
            El.Text(0x00100020, "LO", "TEST-1"),
            El.Text(0x0020000D, "UI", s.StudyUid),
            El.Text(0x0020000E, "UI", s.SeriesUid),
            El.Text(0x00200013, "IS", s.Instance.ToString(CultureInfo.InvariantCulture)),
            El.U16(0x00280002, s.Samples),
            El.Text(0x00280004, "CS", s.Photometric),
            El.U16(0x00280010, s.Height),
            El.U16(0x00280011, s.Width),
            El.Numbers(0x00280030, s.PixelSpacing),
            El.Numbers(0x00180050, s.SliceThickness),
            El.U16(0x00280100, s.BitsAllocated),
            El.U16(0x00280101, s.BitsStored),
            El.U16(0x00280102, s.BitsStored - 1),
            El.U16(0x00280103, s.Signed ? 1 : 0),
            new El(0x7FE00010, s.BitsAllocated == 8 ? "OB" : "OW", s.Pixels.Length % 2 == 1 ? [.. s.Pixels, 0] : s.Pixels),
        };
        if (s.Samples == 3)
        {
            list.Add(El.U16(0x00280006, s.Planar));
        }

        if (s.Position is not null)
        {
            list.Add(El.Numbers(0x00200032, s.Position));
        }

        if (s.Orientation is not null)
        {
            list.Add(El.Numbers(0x00200037, s.Orientation));
        }

        if (s.Slope is { } slope)
        {
            list.Add(El.Numbers(0x00281053, slope));
        }

        if (s.Intercept is { } intercept)
        {
            list.Add(El.Numbers(0x00281052, intercept));
        }

        if (s.Temporal is { } t)
        {
            list.Add(El.Text(0x00200100, "IS", t.ToString(CultureInfo.InvariantCulture)));
        }

        if (s.Frames > 1)
        {
            list.Add(El.Text(0x00280008, "IS", s.Frames.ToString(CultureInfo.InvariantCulture)));
        }

        if (s.PerFrame is not null)
        {
            list.Add(El.Sequence(0x52009230, [.. s.PerFrame]));
        }

        var tags = s.Extra.Select(e => e.Tag).ToHashSet();
        list.RemoveAll(e => tags.Contains(e.Tag));
        list.AddRange(s.Extra);
        return list;
    }

    /// <summary>A Part 10 file, explicit VR little endian, with a complete meta header (as dcmtk and GDCM expect).</summary>
    public static byte[] Part10(SliceSpec s) => Part10(Elements(s), s.SopUid);

    public static byte[] Part10(IReadOnlyList<El> elements, string sopUid)
    {
        using var meta = new MemoryStream();
        Write(meta, new El(0x00020001, "OB", [0, 1]), explicitVr: true);
        Write(meta, El.Text(0x00020002, "UI", "1.2.840.10008.5.1.4.1.1.2"), explicitVr: true);
        Write(meta, El.Text(0x00020003, "UI", sopUid), explicitVr: true);
        Write(meta, El.Text(0x00020010, "UI", DicomFile.ExplicitVrLittleEndian), explicitVr: true);
        Write(meta, El.Text(0x00020012, "UI", "1.2.826.0.1.3680043.2.1125.99"), explicitVr: true);
        using var ms = new MemoryStream();
        ms.Write(new byte[128]);
        ms.Write("DICM"u8);
        Write(ms, El.U32(0x00020000, (uint)meta.Length), explicitVr: true);
        meta.Position = 0;
        meta.CopyTo(ms);
        foreach (var e in elements.OrderBy(e => e.Tag))
        {
            Write(ms, e, explicitVr: true);
        }

        return ms.ToArray();
    }

    /// <summary>A bare data set (no preamble, no meta header) in implicit VR little endian.</summary>
    public static byte[] RawImplicit(SliceSpec s)
    {
        using var ms = new MemoryStream();
        foreach (var e in Elements(s).OrderBy(e => e.Tag))
        {
            Write(ms, e, explicitVr: false);
        }

        return ms.ToArray();
    }

    private static void Write(Stream s, El e, bool explicitVr)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(e.Tag >> 16));
        s.Write(b[..2]);
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)e.Tag);
        s.Write(b[..2]);
        if (e.Items is not null)
        {
            if (explicitVr)
            {
                s.Write("SQ\0\0"u8);
            }

            s.Write([0xFF, 0xFF, 0xFF, 0xFF]);
            foreach (var item in e.Items)
            {
                s.Write([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
                foreach (var inner in item.OrderBy(x => x.Tag))
                {
                    Write(s, inner, explicitVr);
                }

                s.Write([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
            }

            s.Write([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
            return;
        }

        if (!explicitVr || LongVrs.Contains(e.Vr))
        {
            if (explicitVr)
            {
                s.Write(Encoding.ASCII.GetBytes(e.Vr));
                s.Write([0, 0]);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)e.Value.Length);
            s.Write(b);
        }
        else
        {
            s.Write(Encoding.ASCII.GetBytes(e.Vr));
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)e.Value.Length);
            s.Write(b[..2]);
        }

        s.Write(e.Value);
    }

    public static byte[] Int16Pixels(int count, Func<int, int> value)
    {
        var bytes = new byte[count * 2];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), (short)value(i));
        }

        return bytes;
    }

    /// <summary>
    /// Writes an axial series of <paramref name="slices"/> slices, <paramref name="spacing"/> mm apart from
    /// <paramref name="origin"/> along the normal of <paramref name="orientation"/>; voxel (x, y, z) holds
    /// <c>value(x, y, z)</c> (16-bit signed unless the spec says otherwise). File names are given by <paramref name="fileName"/>.
    /// </summary>
    public static List<string> WriteSeries(
        string directory, int slices, double spacing, Func<int, int, int, int> value, SliceSpec? spec = null,
        double[]? origin = null, Func<int, string>? fileName = null)
    {
        spec ??= new SliceSpec();
        origin ??= [-10, 20, 30];
        var o = spec.Orientation ?? [1, 0, 0, 0, 1, 0];
        double[] n = [(o[1] * o[5]) - (o[2] * o[4]), (o[2] * o[3]) - (o[0] * o[5]), (o[0] * o[4]) - (o[1] * o[3])];
        var paths = new List<string>();
        for (var z = 0; z < slices; z++)
        {
            var pixels = spec.BitsAllocated == 8
                ? Enumerable.Range(0, spec.Width * spec.Height).Select(i => (byte)value(i % spec.Width, i / spec.Width, z)).ToArray()
                : Int16Pixels(spec.Width * spec.Height, i => value(i % spec.Width, i / spec.Width, z));
            var slice = spec with
            {
                SopUid = $"{spec.SeriesUid}.{z + 1}",
                Position = [origin[0] + (z * spacing * n[0]), origin[1] + (z * spacing * n[1]), origin[2] + (z * spacing * n[2])],
                Instance = z + 1,
                Pixels = pixels,
            };
            var path = Path.Combine(directory, fileName?.Invoke(z) ?? $"slice{z:000}.dcm");
            File.WriteAllBytes(path, Part10(slice));
            paths.Add(path);
        }

        return paths;
    }

    public static ImageBuildContext Context(string workDirectory, byte[]? key = null) =>
        new(workDirectory, key ?? Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), ImageReadOptions.Default);
}

/// <summary>Runs dcmtk and GDCM programs for tests; a missing program fails the test with how to install it.</summary>
internal static class DicomTools
{
    public static void Run(string program, params string[] arguments)
    {
        var path = ExternalDicomDecoder.FindProgram(program)
            ?? throw new InvalidOperationException(
                $"{program} is not installed: run .ci/imaging-tools.sh (Debian packages dcmtk and libgdcm-tools){(TestEnvironment.IsCi ? " — required when CI=true" : "")}.");
        var start = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        }
    }

    /// <summary>Converts every file in place with <c>program args in out</c>.</summary>
    public static void ConvertAll(IEnumerable<string> files, string program, params string[] arguments)
    {
        foreach (var file in files)
        {
            var output = file + ".tmp";
            Run(program, [.. arguments, file, output]);
            File.Move(output, file, overwrite: true);
        }
    }
}
