using System.Text;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Dicom;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Domain.Imaging.Dicom;

[Trait("Category", "Unit")]
public sealed class DicomDeidentifierTests : IDisposable
{
    private static readonly byte[] KeyA = Enumerable.Repeat((byte)0xA1, 32).ToArray();
    private static readonly byte[] KeyB = Enumerable.Repeat((byte)0xB2, 32).ToArray();

    private const string StudyUid = "1.2.826.0.1.3680043.2.1125.777";
    private const string FrameOfReferenceUid = "1.2.826.0.1.3680043.2.1125.778";

    // Identifiers planted in the files; none may reach the stored image.
    private static readonly (uint Tag, string Vr, string Value)[] Identifiers =
    [
        (0x00100010, "PN", "Doe^Jane"),
        (0x00100020, "LO", "MRN-12345"),
        (0x00100030, "DA", "19700101"),
        (0x00101010, "AS", "054Y"),
        (0x00101000, "LO", "OTHER-777"),
        (0x00101040, "LO", "1 Elm Street"),
        (0x00080080, "LO", "St Elsewhere Hospital"),
        (0x00080090, "PN", "House^Gregory"),
        (0x00081070, "PN", "Operator^Olga"),
        (0x00080050, "SH", "ACC987654"),
        (0x00080020, "DA", "20240229"),
        (0x00080030, "TM", "101112"),
        (0x00081030, "LO", "Brain tumour of Jane"),
        (0x0008103E, "LO", "Axial Doe"),
        (0x00181000, "LO", "SERIAL-4242"),
        (0x00200010, "SH", "STUDY-55"),
        (0x00090010, "LO", "ACME PRIVATE"),
        (0x00091010, "LO", "PRIVATE-SECRET"),
        (0x00200052, "UI", FrameOfReferenceUid),
    ];

    private readonly string _dir = TestEnvironment.NewTempDirectory("dicom-deid");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<string> WriteSeries(string seriesUid, string prefix)
    {
        var extra = Identifiers.Select(i => El.Text(i.Tag, i.Vr, i.Value)).ToList();
        extra.Add(El.Sequence(0x00081032, [El.Text(0x00080104, "LO", "Scan of Jane Doe")]));
        return DicomTestData.WriteSeries(
            _dir, 3, 2, (x, y, z) => x + y + z, new SliceSpec { SeriesUid = seriesUid, StudyUid = StudyUid, Extra = extra }, fileName: z => $"{prefix}{z}.dcm");
    }

    private ImageVolume BuildOne(List<string> files, byte[] key)
    {
        var work = Path.Combine(_dir, "work");
        Directory.CreateDirectory(work);
        var result = new DicomImageBuilder().Build(files, new ImageBuildContext(work, key, ImageReadOptions.Default), CancellationToken.None);
        result.FileErrors.Should().BeEmpty();
        return result.Images.Single().Volume!;
    }

    [Fact]
    public void No_listed_identifier_survives_in_the_stored_tags_or_the_mha()
    {
        var files = WriteSeries("1.2.826.0.1.3680043.2.1125.900", "s");
        using var volume = BuildOne(files, KeyA);
        using var mha = new MemoryStream();
        MetaImageWriter.Write(volume, mha, compress: false);
        var stored = Encoding.Latin1.GetString(mha.ToArray()) + string.Join("\n", volume.Tags.Select(t => $"{t.Key}={t.Value}"));

        foreach (var (_, _, value) in Identifiers)
        {
            stored.Should().NotContain(value);
        }

        foreach (var word in new[] { "Jane", "Doe", "1.2.826.0.1.3680043.2.1125.900", StudyUid, "ACME", "SECRET" })
        {
            stored.Should().NotContain(word);
        }

        volume.Tags["PatientID"].Should().StartWith("GC-").And.Be(volume.Tags["PatientName"]);
        volume.Tags["StudyInstanceUID"].Should().StartWith("2.25.");
        volume.Tags["SeriesInstanceUID"].Should().StartWith("2.25.");
        volume.Tags["SeriesInstanceUID"].Length.Should().BeLessThanOrEqualTo(64);
        volume.Tags["FrameOfReferenceUID"].Should().StartWith("2.25.");
        volume.Tags["PatientIdentityRemoved"].Should().Be("YES");
        volume.Tags["DeidentificationMethod"].Should().Contain("Annex E");
        volume.Tags["Modality"].Should().Be("CT");
        volume.Tags.Should().NotContainKeys("PatientBirthDate", "StudyDate", "StudyDescription", "SeriesDescription", "PatientAge");
    }

    [Fact]
    public void Uids_and_pseudonyms_are_consistent_for_one_key_and_differ_across_keys()
    {
        var first = WriteSeries("1.2.826.0.1.3680043.2.1125.901", "a");
        var second = WriteSeries("1.2.826.0.1.3680043.2.1125.902", "b");

        using var a1 = BuildOne(first, KeyA);
        using var a1Again = BuildOne(first, KeyA);
        using var a2 = BuildOne(second, KeyA);
        using var b1 = BuildOne(first, KeyB);

        a1Again.Tags.Should().Equal(a1.Tags);
        a2.Tags["StudyInstanceUID"].Should().Be(a1.Tags["StudyInstanceUID"], "both series belong to one study");
        a2.Tags["FrameOfReferenceUID"].Should().Be(a1.Tags["FrameOfReferenceUID"]);
        a2.Tags["PatientID"].Should().Be(a1.Tags["PatientID"], "the same patient gets the same pseudonym under one key");
        a2.Tags["SeriesInstanceUID"].Should().NotBe(a1.Tags["SeriesInstanceUID"]);
        foreach (var key in new[] { "StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID", "PatientID" })
        {
            b1.Tags[key].Should().NotBe(a1.Tags[key], $"{key} differs under another key");
        }
    }

    [Fact]
    public void Every_attribute_of_the_table_gets_its_action()
    {
        var elements = DicomDeidentifier.Table.Keys.ToDictionary(
            t => t, t => new DicomElement(t, "LO", Encoding.ASCII.GetBytes($"VALUE-{t:X8}")));
        elements[0x00091234] = new DicomElement(0x00091234, "LO", "private"u8.ToArray());
        elements[0x50000010] = new DicomElement(0x50000010, "US", [1, 0]);
        elements[0x60003000] = new DicomElement(0x60003000, "OW", [1, 0]);
        elements[0x00280010] = new DicomElement(0x00280010, "US", [3, 0]);
        var deidentifier = new DicomDeidentifier(KeyA);

        var result = new DicomDataSet(deidentifier.Deidentify(new DicomDataSet(elements)));

        foreach (var (tag, (name, action)) in DicomDeidentifier.Table)
        {
            var value = result.GetString(tag);
            switch (action)
            {
                case DeidentificationAction.Remove:
                    result.Elements.Should().NotContainKey(tag, name);
                    break;
                case DeidentificationAction.Empty:
                    value.Should().BeEmpty(name);
                    break;
                case DeidentificationAction.Pseudonym:
                    value.Should().Be(deidentifier.Pseudonym("VALUE-00100020", ""), name);
                    break;
                default:
                    value.Should().Be(deidentifier.RemapUid($"VALUE-{tag:X8}"), name).And.StartWith("2.25.");
                    break;
            }
        }

        result.Elements.Should().NotContainKeys(0x00091234u, 0x50000010u, 0x60003000u);
        result.GetInt(0x00280010).Should().Be(3, "attributes outside the table are kept");
    }

    [Fact]
    public void The_documented_table_lists_every_attribute_the_code_handles()
    {
        var doc = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "GrandChallenge.Domain", "Imaging", "Dicom", "DEIDENTIFICATION.md"));

        foreach (var (tag, (name, _)) in DicomDeidentifier.Table)
        {
            doc.Should().Contain($"({tag >> 16:X4},{tag & 0xFFFF:X4})", name);
        }
    }

    [Fact]
    public void A_short_key_is_refused() =>
        FluentActions.Invoking(() => new DicomDeidentifier(new byte[8])).Should().Throw<ArgumentException>();
}
