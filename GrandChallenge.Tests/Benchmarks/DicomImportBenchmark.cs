using System.Diagnostics;
using System.Text.Json;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Dicom;
using GrandChallenge.Tests.Domain.Imaging.Dicom;
using GrandChallenge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Benchmarks;

/// <summary>
/// DICOM import speed (issue #5): a 512×512×300 int16 CT series, written at test time, imported by
/// <see cref="DicomImageBuilder"/> (read, de-identify, assemble, write .mha) against GDCM's own programs on the same
/// files in the same run: <c>gdcmanon</c> over the folder (one process reads, de-identifies and writes every file) and
/// <c>gdcmconv --raw</c> per file (one run). Median of 3; the ratio is ours / GDCM's faster route (target ≤ 1.5).
/// Writes artifacts/bench/dicom-import.json. Run with bench/dicom-import.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class DicomImportBenchmark(ITestOutputHelper output) : IDisposable
{
    private const int Size = 512, Slices = 300, Runs = 3;
    private readonly string _dir = TestEnvironment.NewTempDirectory("dicom-bench");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Dicom_series_import_against_gdcm()
    {
        var input = Path.Combine(_dir, "in");
        Directory.CreateDirectory(input);
        var files = DicomTestData.WriteSeries(
            input, Slices, 0.7, (x, y, z) => ((x * 7) + (y * 3) + (z * 11)) % 3000 - 1024,
            new SliceSpec { Width = Size, Height = Size, Intercept = 0, Slope = 1 });

        double Ours()
        {
            var work = Path.Combine(_dir, "work");
            Directory.CreateDirectory(work);
            var sw = Stopwatch.StartNew();
            var result = new DicomImageBuilder().Build(files, DicomTestData.Context(work), CancellationToken.None);
            using var image = result.Images.Single();
            MetaImageWriter.Write(image.Volume!, Path.Combine(_dir, "out.mha"), compress: false);
            sw.Stop();
            image.Volume!.Depth.Should().Be(Slices);
            image.Volume.GetValue(5, 7, 100).Should().Be(((5 * 7) + (7 * 3) + (100 * 11)) % 3000 - 1024);
            return sw.Elapsed.TotalMilliseconds;
        }

        double GdcmAnon()
        {
            var outDir = Path.Combine(_dir, "anon");
            Directory.CreateDirectory(outDir);
            var sw = Stopwatch.StartNew();
            DicomTools.Run("gdcmanon", "--dumb", "--remove", "0010,0010", "--remove", "0010,0020", "--continue", "-i", input, "-o", outDir);
            sw.Stop();
            Directory.GetFiles(outDir).Length.Should().Be(Slices);
            Directory.Delete(outDir, recursive: true);
            return sw.Elapsed.TotalMilliseconds;
        }

        double GdcmConv()
        {
            var outDir = Path.Combine(_dir, "conv");
            Directory.CreateDirectory(outDir);
            var sw = Stopwatch.StartNew();
            foreach (var file in files)
            {
                DicomTools.Run("gdcmconv", "--raw", file, Path.Combine(outDir, Path.GetFileName(file)));
            }

            sw.Stop();
            Directory.Delete(outDir, recursive: true);
            return sw.Elapsed.TotalMilliseconds;
        }

        Ours(); // warm-up (JIT)
        static double Median(IEnumerable<double> xs) => xs.Order().ElementAt(Runs / 2);
        var ours = Median(Enumerable.Range(0, Runs).Select(_ => Ours()).ToList());
        var anon = Median(Enumerable.Range(0, Runs).Select(_ => GdcmAnon()).ToList());
        var conv = GdcmConv(); // one run: 300 process starts take long enough to be steady
        var ratio = ours / Math.Min(anon, conv);

        var json = JsonSerializer.Serialize(
            new
            {
                series = $"{Size}x{Size}x{Slices} int16, {Slices} files",
                ours_ms = Math.Round(ours),
                gdcmanon_folder_ms = Math.Round(anon),
                gdcmconv_raw_per_file_ms = Math.Round(conv),
                ratio_to_fastest_gdcm = Math.Round(ratio, 2),
                target = 1.5,
            },
            new JsonSerializerOptions { WriteIndented = true });
        var directory = Path.Combine(TestEnvironment.ArtifactsDirectory, "bench");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "dicom-import.json"), json);
        output.WriteLine(json);
        ratio.Should().BeLessThan(10, "a run this slow means something is broken");
    }
}
