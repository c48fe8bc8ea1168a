using System.Diagnostics;

namespace GrandChallenge.Domain.Imaging.Dicom;

/// <summary>Turns a DICOM file with encapsulated (compressed) pixel data into one with native pixel data.</summary>
public interface IDicomDecoder
{
    string Name { get; }

    /// <summary>True when this decoder handles the transfer syntax and its tool is installed.</summary>
    bool CanDecode(string transferSyntaxUid);

    /// <summary>Decodes <paramref name="path"/> (in <paramref name="transferSyntaxUid"/>) to a native file under <paramref name="workDirectory"/> and parses it.</summary>
    DicomFile Decode(string path, string transferSyntaxUid, string workDirectory, CancellationToken ct);
}

/// <summary>
/// Decodes with an external program from Debian (GDCM's <c>gdcmconv --raw</c>, dcmtk's <c>dcmdjpeg</c>,
/// <c>dcmdjpls</c>, <c>dcmdrle</c>): <c>tool [arguments] input output</c>, with a timeout, stderr in the error.
/// </summary>
public sealed class ExternalDicomDecoder(string name, string program, IReadOnlyList<string> arguments, IReadOnlySet<string> transferSyntaxes)
    : IDicomDecoder
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static IReadOnlySet<string> JpegSyntaxes { get; } = new HashSet<string>
    {
        "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
    };

    public static IReadOnlySet<string> JpegLsSyntaxes { get; } = new HashSet<string> { "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81" };

    public static IReadOnlySet<string> Jpeg2000Syntaxes { get; } = new HashSet<string> { "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91" };

    public static IReadOnlySet<string> RleSyntaxes { get; } = new HashSet<string> { "1.2.840.10008.1.2.5" };

    public static ExternalDicomDecoder Gdcm() =>
        new("GDCM", "gdcmconv", ["--raw"], JpegSyntaxes.Concat(JpegLsSyntaxes).Concat(Jpeg2000Syntaxes).Concat(RleSyntaxes).ToHashSet());

    public static IEnumerable<ExternalDicomDecoder> Dcmtk() =>
    [
        new("dcmtk", "dcmdjpeg", [], JpegSyntaxes),
        new("dcmtk", "dcmdjpls", [], JpegLsSyntaxes),
        new("dcmtk", "dcmdrle", [], RleSyntaxes),
    ];

    public string Name { get; } = name;

    public string Program { get; } = program;

    public bool CanDecode(string transferSyntaxUid) => transferSyntaxes.Contains(transferSyntaxUid) && FindProgram(Program) is not null;

    public DicomFile Decode(string path, string transferSyntaxUid, string workDirectory, CancellationToken ct)
    {
        var executable = FindProgram(Program) ?? throw new ImageFormatException($"{Program} ({Name}) is not installed.");
        Directory.CreateDirectory(workDirectory);
        var output = Path.Combine(workDirectory, $"decoded-{Guid.NewGuid():N}.dcm");
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                WorkingDirectory = workDirectory,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add(path);
            start.ArgumentList.Add(output);
            using var process = Process.Start(start) ?? throw new ImageFormatException($"{Program} could not be started.");
            var stderr = process.StandardError.ReadToEndAsync(ct);
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            try
            {
                process.WaitForExitAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                ct.ThrowIfCancellationRequested();
                throw new ImageFormatException($"{Program} did not finish within {Timeout.TotalSeconds:0} s.");
            }

            var messages = (stderr.GetAwaiter().GetResult() + stdout.GetAwaiter().GetResult()).Trim();
            if (process.ExitCode != 0 || !File.Exists(output))
            {
                throw new ImageFormatException(
                    $"{Program} failed (exit code {process.ExitCode}){(messages.Length > 0 ? ": " + Shorten(messages) : "")}");
            }

            var decoded = DicomFile.Parse(File.ReadAllBytes(output), Path.GetFileName(path));
            if (decoded.IsEncapsulated)
            {
                throw new ImageFormatException($"{Program} left the pixel data compressed.");
            }

            return decoded;
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static string Shorten(string text) => text.Length <= 500 ? text : text[..500] + "…";

    private static readonly Dictionary<string, string?> Found = new(StringComparer.Ordinal);

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindProgram(string program)
    {
        lock (Found)
        {
            if (Found.TryGetValue(program, out var known))
            {
                return known;
            }

            var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, program))
                .FirstOrDefault(File.Exists);
            Found[program] = path;
            return path;
        }
    }
}

/// <summary>Tries each decoder that handles the transfer syntax in turn (GDCM first, then dcmtk).</summary>
public sealed class DicomDecoderChain(IReadOnlyList<IDicomDecoder> decoders) : IDicomDecoder
{
    public static DicomDecoderChain Default { get; } = new([ExternalDicomDecoder.Gdcm(), .. ExternalDicomDecoder.Dcmtk()]);

    public string Name => string.Join(", ", decoders.Select(d => d.Name).Distinct());

    public bool CanDecode(string transferSyntaxUid) => decoders.Any(d => d.CanDecode(transferSyntaxUid));

    public DicomFile Decode(string path, string transferSyntaxUid, string workDirectory, CancellationToken ct)
    {
        var file = Path.GetFileName(path);
        var syntax = TransferSyntaxes.Describe(transferSyntaxUid);
        var errors = new List<string>();
        foreach (var decoder in decoders)
        {
            if (!decoder.CanDecode(transferSyntaxUid))
            {
                continue;
            }

            try
            {
                return decoder.Decode(path, transferSyntaxUid, workDirectory, ct);
            }
            catch (ImageFormatException e)
            {
                errors.Add($"{decoder.Name}: {e.Message}");
            }
        }

        throw new ImageFormatException(errors.Count == 0
            ? $"{file}: pixel data in {syntax} cannot be decoded here: install GDCM (gdcmconv) or dcmtk (.ci/imaging-tools.sh)."
            : $"{file}: pixel data in {syntax} could not be decoded ({string.Join("; ", errors)}).");
    }
}

/// <summary>Names of the transfer syntaxes for messages.</summary>
public static class TransferSyntaxes
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        [DicomFile.ImplicitVrLittleEndian] = "Implicit VR Little Endian",
        [DicomFile.ExplicitVrLittleEndian] = "Explicit VR Little Endian",
        [DicomFile.ExplicitVrBigEndian] = "Explicit VR Big Endian",
        [DicomFile.DeflatedExplicitVrLittleEndian] = "Deflated Explicit VR Little Endian",
        ["1.2.840.10008.1.2.4.50"] = "JPEG Baseline",
        ["1.2.840.10008.1.2.4.51"] = "JPEG Extended",
        ["1.2.840.10008.1.2.4.57"] = "JPEG Lossless",
        ["1.2.840.10008.1.2.4.70"] = "JPEG Lossless SV1",
        ["1.2.840.10008.1.2.4.80"] = "JPEG-LS Lossless",
        ["1.2.840.10008.1.2.4.81"] = "JPEG-LS Near-lossless",
        ["1.2.840.10008.1.2.4.90"] = "JPEG 2000 Lossless",
        ["1.2.840.10008.1.2.4.91"] = "JPEG 2000",
        ["1.2.840.10008.1.2.5"] = "RLE Lossless",
    };

    public static string Describe(string? uid) =>
        uid is null ? "an unknown transfer syntax" : Names.TryGetValue(uid, out var name) ? $"{name} ({uid})" : $"transfer syntax {uid}";
}
