using System.Text;
using GrandChallenge.Domain.Uploads;

namespace GrandChallenge.Tests.Domain.Uploads;

[Trait("Category", "Unit")]
public sealed class MimeSnifferTests
{
    public static TheoryData<string, byte[]> Signatures => new()
    {
        { "application/gzip", [0x1F, 0x8B, 0x08, 0x00, 0x00] },
        { "application/x-xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00] },
        { "application/x-bzip2", "BZh91AY&SY"u8.ToArray() },
        { "application/zip", "PK\x03\x04\x14\x00"u8.ToArray() },
        { "application/zip", "PK\x05\x06\x00\x00"u8.ToArray() },
        { "image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] },
        { "image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] },
        { "image/tiff", "II*\0\x08\0\0\0"u8.ToArray() },
        { "application/pdf", "%PDF-1.7\n%\xE2\xE3"u8.ToArray() },
        { "application/x-empty", [] },
        { "application/octet-stream", [0x00, 0x01, 0x02, 0xFF, 0xFE] },
    };

    [Theory]
    [MemberData(nameof(Signatures))]
    public void Known_formats_are_recognised_by_their_first_bytes(string expected, byte[] head) =>
        MimeSniffer.Sniff(head).Should().Be(expected);

    [Fact]
    public void A_tar_archive_is_recognised_by_ustar_at_offset_257()
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes("manifest.json").CopyTo(header, 0);
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(header, 257);

        MimeSniffer.Sniff(header).Should().Be("application/x-tar");
    }

    [Fact]
    public void Dicom_is_recognised_by_DICM_after_the_128_byte_preamble()
    {
        var head = new byte[200];
        "DICM"u8.CopyTo(head.AsSpan(128));

        MimeSniffer.Sniff(head).Should().Be("application/dicom");
        MimeSniffer.Sniff(head.AsSpan(0, 100)).Should().Be("application/octet-stream");
    }

    [Theory]
    [InlineData("{\"case\": 1, \"values\": [1.5, null]}", true, "application/json")]
    [InlineData("\uFEFF  [1, 2, 3]", true, "application/json")]
    [InlineData("[{\"a\": 1}, {\"a\": ", false, "application/json")]
    [InlineData("[{\"a\": 1}, {\"a\": ", true, "text/plain")]
    [InlineData("{not json at all}", true, "text/plain")]
    [InlineData("case,score\n1,0.5\n2,0.75\n", true, "text/csv")]
    [InlineData("case;score\r\n1;0,5\r\n2;0,75", true, "text/csv")]
    [InlineData("case,score\n1,0.5\n2,0.7", false, "text/csv")]
    [InlineData("case,score\n1,0.5", false, "text/plain")]
    [InlineData("a,b\nno commas here\n", true, "text/plain")]
    [InlineData("ObjectType = Image\nNDims = 3\n", true, "text/plain")]
    [InlineData("Grüße aus Nijmegen\n", true, "text/plain")]
    public void Text_is_told_apart_as_json_csv_or_plain(string text, bool isWholeFile, string expected) =>
        MimeSniffer.Sniff(Encoding.UTF8.GetBytes(text), isWholeFile).Should().Be(expected);

    [Fact]
    public void Text_cut_inside_a_multibyte_character_is_still_text()
    {
        var bytes = Encoding.UTF8.GetBytes("naïve ");
        MimeSniffer.Sniff(bytes.AsSpan(0, 3)).Should().Be("text/plain");
    }

    [Theory]
    [InlineData(0, "0 bytes")]
    [InlineData(1, "1 byte")]
    [InlineData(1023, "1023 bytes")]
    [InlineData(1024, "1 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(100L << 20, "100 MiB")]
    [InlineData(10L << 30, "10 GiB")]
    public void Byte_sizes_read_like_people_write_them(long bytes, string expected) =>
        ByteSize.Format(bytes).Should().Be(expected);
}
