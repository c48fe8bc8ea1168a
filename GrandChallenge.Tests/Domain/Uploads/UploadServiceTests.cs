using System.Security.Cryptography;
using System.Text;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GrandChallenge.Tests.Domain.Uploads;

[Trait("Category", "Unit")]
public sealed class UploadServiceTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly string _dataRoot = TestEnvironment.NewTempDirectory("gc-uploads");
    private readonly InMemoryDatabase _database;
    private readonly LocalBlobStore _blobs;
    private readonly UploadOptions _options = new();
    private readonly UploadService _uploads;
    private readonly Actor _alice;
    private readonly Actor _bob;

    public UploadServiceTests()
    {
        _database = new InMemoryDatabase(_clock);
        var data = new DataDirectory(_dataRoot);
        _blobs = new LocalBlobStore(data);
        _uploads = new UploadService(_database, _blobs, new UploadSigner(data), new ChangeNotifier(), Options.Create(_options), _clock, NullLogger<UploadService>.Instance);
        _alice = new Actor(AddUser("alice"), false);
        _bob = new Actor(AddUser("bob"), true);
    }

    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task Parts_sent_in_any_order_and_again_assemble_in_part_number_order()
    {
        var upload = (await _uploads.CreateAsync(_alice, "volume.bin", 9, null)).Value!;

        var third = await WritePartAsync(upload, 3, "ghi");
        await WritePartAsync(upload, 1, "abc");
        await WritePartAsync(upload, 2, "xxx");
        var second = await WritePartAsync(upload, 2, "def");

        second.ETag.Should().Be(Md5Hex("def"));
        third.Size.Should().Be(3);
        var parts = (await _uploads.ListPartsAsync(_alice, upload.Id, upload.UploadKey)).Value!.Parts;
        parts.Select(p => (p.PartNumber, p.ETag)).Should().Equal((1, Md5Hex("abc")), (2, Md5Hex("def")), (3, Md5Hex("ghi")));
        Directory.GetFiles(_blobs.LocalPath(UserUpload.PartsPrefixOf(upload.CreatorId, upload.Id))).Should().HaveCount(3, "a part sent again replaces the old one");

        var completed = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, parts.Reverse().Select(p => new PartReference(p.PartNumber, $"\"{p.ETag}\"")).ToList());

        completed.Error.Should().BeNull();
        completed.Value!.Status.Should().Be(UploadStatus.Completed);
        completed.Value.Size.Should().Be(9);
        completed.Value.Sha256.Should().Be(Sha256Hex("abcdefghi"));
        completed.Value.MimeType.Should().Be("text/plain");
        (await ReadAsync(completed.Value)).Should().Be("abcdefghi");
        Directory.Exists(_blobs.LocalPath(UserUpload.PartsPrefixOf(upload.CreatorId, upload.Id))).Should().BeFalse("the parts are deleted once assembled");
        _database.CreateDbContext().UploadParts.Count().Should().Be(0);
    }

    [Fact]
    public async Task A_part_over_the_limit_is_refused_while_it_streams_not_after()
    {
        _options.MaxPartBytes = 1 << 20;
        var upload = (await _uploads.CreateAsync(_alice, "big.bin", null, null)).Value!;
        var body = new CountingStream(50L << 20);

        var result = await _uploads.WritePartAsync(upload.Id, upload.UploadKey, 1, body, contentLength: null, contentMd5: null);

        result.Error.Should().Be("Part 1 is larger than the limit of 1 MiB per part.");
        body.Position.Should().BeLessThan(2 << 20, "reading stops at the limit instead of swallowing the whole body");
        _database.CreateDbContext().UploadParts.Count().Should().Be(0);
        Directory.GetFiles(_blobs.LocalPath(UserUpload.PartsPrefixOf(upload.CreatorId, upload.Id))).Should().BeEmpty("nothing of the refused part is kept");
    }

    [Fact]
    public async Task A_declared_content_length_over_the_limit_is_refused_before_reading()
    {
        _options.MaxUploadBytes = 1000;
        var upload = (await _uploads.CreateAsync(_alice, "big.bin", null, null)).Value!;
        await WritePartAsync(upload, 1, new string('a', 600));
        var body = new CountingStream(600);

        var result = await _uploads.WritePartAsync(upload.Id, upload.UploadKey, 2, body, contentLength: 600, contentMd5: null);

        result.Error.Should().Be("The upload is larger than the limit of 1000 bytes per upload.");
        body.Position.Should().Be(0);
    }

    [Fact]
    public async Task The_per_user_limit_counts_completed_uploads_and_unfinished_parts()
    {
        _options.MaxBytesPerUser = 10;
        var done = (await _uploads.CreateAsync(_alice, "a.txt", null, null)).Value!;
        await _uploads.CompleteAsync(_alice, done.Id, done.UploadKey, [Ref(await WritePartAsync(done, 1, "12345"))]);
        var open = (await _uploads.CreateAsync(_alice, "b.txt", null, null)).Value!;
        await WritePartAsync(open, 1, "123");

        var tooMuch = await _uploads.WritePartAsync(open.Id, open.UploadKey, 2, Body("123"), 3, null);
        var replacing = await _uploads.WritePartAsync(open.Id, open.UploadKey, 1, Body("12345"), 5, null);
        await WritePartAsync(open, 1, "12345");
        var presign = await _uploads.PresignPartsAsync(_alice, open.Id, open.UploadKey, [2]);
        var create = await _uploads.CreateAsync(_alice, "c.txt", null, null);
        var otherUser = await _uploads.CreateAsync(_bob, "d.txt", 10, null);

        tooMuch.Error.Should().StartWith("Upload limit reached");
        replacing.Succeeded.Should().BeTrue("a part sent again replaces the old one, so only the difference counts");
        presign.Error.Should().StartWith("Upload limit reached");
        create.Error.Should().StartWith("Upload limit reached");
        otherUser.Succeeded.Should().BeTrue("the limit is per user");
        (await _uploads.UsageAsync(_alice)).BytesUsed.Should().Be(10);
    }

    [Fact]
    public async Task The_number_of_uploads_per_user_is_limited_with_gcapis_message()
    {
        _options.MaxUploadsPerUser = 2;
        var first = (await _uploads.CreateAsync(_alice, "1", null, null)).Value!;
        await _uploads.CreateAsync(_alice, "2", null, null);

        var third = await _uploads.CreateAsync(_alice, "3", null, null);
        await _uploads.AbortAsync(_alice, first.Id, first.UploadKey);
        var afterAbort = await _uploads.CreateAsync(_alice, "3", null, null);

        third.Error.Should().StartWith("You have created too many uploads. Please try again later.");
        afterAbort.Succeeded.Should().BeTrue("aborted uploads do not count");
    }

    [Fact]
    public async Task Completing_with_a_wrong_size_or_sha256_keeps_the_parts_for_another_try()
    {
        var upload = (await _uploads.CreateAsync(_alice, "x.bin", 6, Sha256Hex("abcdef").ToUpperInvariant())).Value!;
        var one = await WritePartAsync(upload, 1, "abc");
        var wrong = await WritePartAsync(upload, 2, "xyz");

        var shaMismatch = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(one), Ref(wrong)]);
        var fixedPart = await WritePartAsync(upload, 2, "def");
        var completed = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(one), Ref(fixedPart)]);

        shaMismatch.Error.Should().Contain($"SHA-256 is {Sha256Hex("abcxyz")}").And.Contain("The parts are kept");
        _blobs.Exists(upload.FileKey).Should().BeTrue();
        completed.Value!.Sha256.Should().Be(Sha256Hex("abcdef"));

        var sized = (await _uploads.CreateAsync(_alice, "y.bin", 4, null)).Value!;
        var sizeMismatch = await _uploads.CompleteAsync(_alice, sized.Id, sized.UploadKey, [Ref(await WritePartAsync(sized, 1, "abc"))]);
        sizeMismatch.Error.Should().Contain("add up to 3 bytes").And.Contain("size of 4 bytes");
        (await _uploads.GetAsync(_alice, sized.Id)).Value!.Status.Should().Be(UploadStatus.Initialized);
        _blobs.Exists(sized.FileKey).Should().BeFalse();
        (await _uploads.ListPartsAsync(_alice, sized.Id, sized.UploadKey)).Value!.Parts.Should().HaveCount(1);
    }

    [Fact]
    public async Task The_part_list_must_name_every_stored_part_with_its_etag()
    {
        var upload = (await _uploads.CreateAsync(_alice, "x.bin", null, null)).Value!;
        var one = await WritePartAsync(upload, 1, "abc");
        var two = await WritePartAsync(upload, 2, "def");

        var wrongEtag = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(one), new PartReference(2, Md5Hex("other"))]);
        var notUploaded = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(one), Ref(two), new PartReference(3, Md5Hex("x"))]);
        var unlisted = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(one)]);
        var twice = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(one), Ref(one), Ref(two)]);
        var empty = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, []);

        wrongEtag.Error.Should().StartWith("Part 2 is listed with ETag");
        notUploaded.Error.Should().StartWith("Part 3 has not been uploaded");
        unlisted.Error.Should().Contain("missing from the list: part 2");
        twice.Error.Should().Be("Part 1 is listed more than once.");
        empty.Error.Should().StartWith("List the parts to complete");
        (await _uploads.GetAsync(_alice, upload.Id)).Value!.Status.Should().Be(UploadStatus.Initialized);
        _blobs.Exists(upload.FileKey).Should().BeFalse();
    }

    [Fact]
    public async Task Uploads_are_their_creators_alone_even_for_site_admins()
    {
        var upload = (await _uploads.CreateAsync(_alice, "mine.txt", null, null)).Value!;
        var part = await WritePartAsync(upload, 1, "mine");

        (await _uploads.GetAsync(_bob, upload.Id)).NotFound.Should().BeTrue();
        (await _uploads.ListPartsAsync(_bob, upload.Id, upload.UploadKey)).NotFound.Should().BeTrue();
        (await _uploads.PresignPartsAsync(_bob, upload.Id, upload.UploadKey, [1])).NotFound.Should().BeTrue();
        (await _uploads.CompleteAsync(_bob, upload.Id, upload.UploadKey, [Ref(part)])).NotFound.Should().BeTrue();
        (await _uploads.AbortAsync(_bob, upload.Id, upload.UploadKey)).NotFound.Should().BeTrue();
        (await _uploads.OpenCompletedAsync(_bob, upload.Id)).NotFound.Should().BeTrue();
        (await _uploads.DeleteAsync(_bob, upload.Id)).Should().BeFalse();
        (await _uploads.ListAsync(_bob, 0, 10)).Count.Should().Be(0);
        (await _uploads.ListPartsAsync(_alice, upload.Id, "not-the-key")).NotFound.Should().BeTrue("the upload key is part of the address");
        (await _uploads.GetAsync(_alice, upload.Id)).Value!.Status.Should().Be(UploadStatus.Initialized);
    }

    [Fact]
    public async Task A_completed_upload_opens_for_its_creator_and_deletes_with_its_file()
    {
        var upload = (await _uploads.CreateAsync(_alice, "data.json", null, null)).Value!;
        (await _uploads.OpenCompletedAsync(_alice, upload.Id)).Error.Should().Contain("is not completed");
        await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(await WritePartAsync(upload, 1, "{\"a\": [1, 2]}"))]);

        await using (var opened = (await _uploads.OpenCompletedAsync(_alice, upload.Id)).Value!)
        {
            opened.Info.MimeType.Should().Be("application/json");
            (await new StreamReader(opened.Content).ReadToEndAsync()).Should().Be("{\"a\": [1, 2]}");
        }

        (await _uploads.DeleteAsync(_alice, upload.Id)).Should().BeTrue();
        (await _uploads.GetAsync(_alice, upload.Id)).NotFound.Should().BeTrue();
        Directory.Exists(_blobs.LocalPath(UserUpload.PrefixOf(upload.CreatorId, upload.Id))).Should().BeFalse();
    }

    [Fact]
    public async Task Aborting_deletes_the_parts_and_closes_the_upload()
    {
        var upload = (await _uploads.CreateAsync(_alice, "gone.bin", null, null)).Value!;
        var part = await WritePartAsync(upload, 1, "abc");

        var aborted = await _uploads.AbortAsync(_alice, upload.Id, upload.UploadKey);
        var again = await _uploads.AbortAsync(_alice, upload.Id, upload.UploadKey);

        aborted.Value!.Status.Should().Be(UploadStatus.Aborted);
        again.Succeeded.Should().BeTrue("aborting twice is harmless");
        Directory.Exists(_blobs.LocalPath(UserUpload.PrefixOf(upload.CreatorId, upload.Id))).Should().BeFalse();
        (await _uploads.WritePartAsync(upload.Id, upload.UploadKey, 2, Body("x"), 1, null)).Error.Should().Contain("aborted");
        (await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(part)])).Error.Should().Contain("aborted");
        (await _uploads.PresignPartsAsync(_alice, upload.Id, upload.UploadKey, [1])).Error.Should().Contain("aborted");
    }

    [Fact]
    public async Task A_completed_upload_cannot_be_aborted_and_completing_again_answers_the_same()
    {
        var upload = (await _uploads.CreateAsync(_alice, "done.txt", null, null)).Value!;
        var part = await WritePartAsync(upload, 1, "abc");
        var first = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(part)]);

        var second = await _uploads.CompleteAsync(_alice, upload.Id, upload.UploadKey, [Ref(part)]);
        var abort = await _uploads.AbortAsync(_alice, upload.Id, upload.UploadKey);

        second.Value.Should().BeEquivalentTo(first.Value);
        abort.Error.Should().Contain("completed and can no longer be aborted");
        _blobs.Exists(upload.FileKey).Should().BeTrue();
    }

    [Fact]
    public async Task A_whole_file_upload_is_checked_and_leaves_nothing_behind_when_refused()
    {
        _options.MaxUploadBytes = 100;
        var ok = await _uploads.UploadFileAsync(_alice, "small.csv", Body("a,b\n1,2\n"), 8, Sha256Hex("a,b\n1,2\n"));
        var tooLarge = await _uploads.UploadFileAsync(_alice, "large.bin", new CountingStream(10_000), null, null);
        var wrongSha = await _uploads.UploadFileAsync(_alice, "small.csv", Body("a,b\n1,2\n"), null, Sha256Hex("other"));

        ok.Value!.Status.Should().Be(UploadStatus.Completed);
        ok.Value.MimeType.Should().Be("text/csv");
        tooLarge.Error.Should().Be("The upload is larger than the limit of 100 bytes per upload.");
        wrongSha.Error.Should().Contain("SHA-256").And.Contain("Nothing was stored");
        (await _uploads.ListAsync(_alice, 0, 10)).Items.Should().ContainSingle().Which.Id.Should().Be(ok.Value.Id);
        Directory.GetDirectories(_blobs.LocalPath($"uploads/{_alice.UserId:D}")).Should().ContainSingle();
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/b.txt")]
    [InlineData("a\\b.txt")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("tab\there")]
    public async Task File_names_must_be_bare_names(string filename)
    {
        var result = await _uploads.CreateAsync(_alice, filename, null, null);

        result.FieldErrors!.Should().ContainKey("filename");
        _database.CreateDbContext().UserUploads.Count().Should().Be(0);
    }

    [Fact]
    public async Task Names_sizes_and_checksums_are_validated()
    {
        (await _uploads.CreateAsync(_alice, new string('a', 129), null, null)).FieldErrors!.Should().ContainKey("filename");
        (await _uploads.CreateAsync(_alice, new string('a', 128), null, null)).Succeeded.Should().BeTrue();
        (await _uploads.CreateAsync(_alice, "x", -1, null)).FieldErrors!.Should().ContainKey("size");
        (await _uploads.CreateAsync(_alice, "x", _options.MaxUploadBytes + 1, null)).FieldErrors!.Should().ContainKey("size");
        (await _uploads.CreateAsync(_alice, "x", null, "abc")).FieldErrors!.Should().ContainKey("sha256");
        (await _uploads.CreateAsync(Actor.Anonymous, "x", null, null)).Succeeded.Should().BeFalse();
        var upload = (await _uploads.CreateAsync(_alice, "x", null, null)).Value!;
        (await _uploads.PresignPartsAsync(_alice, upload.Id, upload.UploadKey, [0])).Error.Should().Contain("1 to 10000");
        (await _uploads.PresignPartsAsync(_alice, upload.Id, upload.UploadKey, [10_001])).Error.Should().Contain("1 to 10000");
        (await _uploads.WritePartAsync(upload.Id, upload.UploadKey, 10_001, Body("x"), 1, null)).Error.Should().Contain("1 to 10000");
    }

    [Fact]
    public async Task A_content_md5_header_that_does_not_match_refuses_the_part()
    {
        var upload = (await _uploads.CreateAsync(_alice, "x", null, null)).Value!;

        var wrong = await _uploads.WritePartAsync(upload.Id, upload.UploadKey, 1, Body("abc"), 3, Convert.ToBase64String(MD5.HashData("xyz"u8)));
        var right = await _uploads.WritePartAsync(upload.Id, upload.UploadKey, 1, Body("abc"), 3, Convert.ToBase64String(MD5.HashData("abc"u8)));

        wrong.Error.Should().Contain("Content-MD5");
        right.Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Expiry_removes_stale_unfinished_and_aborted_uploads_with_their_files_and_keeps_the_rest()
    {
        _options.ExpireAfter = TimeSpan.FromHours(24);
        var stale = (await _uploads.CreateAsync(_alice, "stale", null, null)).Value!;
        await WritePartAsync(stale, 1, "old");
        var aborted = (await _uploads.CreateAsync(_alice, "aborted", null, null)).Value!;
        await _uploads.AbortAsync(_alice, aborted.Id, aborted.UploadKey);
        var completed = (await _uploads.UploadFileAsync(_alice, "kept", Body("kept"), null, null)).Value!;
        _clock.Advance(TimeSpan.FromHours(23));
        var fresh = (await _uploads.CreateAsync(_alice, "fresh", null, null)).Value!;
        await WritePartAsync(fresh, 1, "new");
        _clock.Advance(TimeSpan.FromHours(2));

        var deleted = await _uploads.DeleteExpiredAsync();

        deleted.Should().Be(2);
        (await _uploads.ListAsync(_alice, 0, 10)).Items.Select(u => u.Filename).Should().BeEquivalentTo("fresh", "kept");
        Directory.Exists(_blobs.LocalPath(UserUpload.PrefixOf(stale.CreatorId, stale.Id))).Should().BeFalse();
        _blobs.Exists(completed.FileKey).Should().BeTrue();
        _database.CreateDbContext().UploadParts.Select(p => p.UploadId).Should().Equal(fresh.Id);
    }

    [Fact]
    public async Task Presigned_signatures_bind_upload_part_and_expiry()
    {
        var upload = (await _uploads.CreateAsync(_alice, "x", null, null)).Value!;
        var signed = (await _uploads.PresignPartsAsync(_alice, upload.Id, upload.UploadKey, [2, 1, 2])).Value!;
        var two = signed.Parts.Single(p => p.PartNumber == 2);

        signed.Parts.Select(p => p.PartNumber).Should().Equal(1, 2);
        two.ExpiresUnix.Should().Be(_clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds());
        _uploads.CheckPartSignature(upload.Id, upload.UploadKey, 2, two.ExpiresUnix, two.Signature).Should().Be(PartSignatureCheck.Valid);
        _uploads.CheckPartSignature(upload.Id, upload.UploadKey, 1, two.ExpiresUnix, two.Signature).Should().Be(PartSignatureCheck.Invalid);
        _uploads.CheckPartSignature(upload.Id, upload.UploadKey, 2, two.ExpiresUnix + 3600, two.Signature).Should().Be(PartSignatureCheck.Invalid);
        _uploads.CheckPartSignature(upload.Id, "other", 2, two.ExpiresUnix, two.Signature).Should().Be(PartSignatureCheck.Invalid);
        _uploads.CheckPartSignature(upload.Id, upload.UploadKey, 2, two.ExpiresUnix, null).Should().Be(PartSignatureCheck.Invalid);
        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        _uploads.CheckPartSignature(upload.Id, upload.UploadKey, 2, two.ExpiresUnix, two.Signature).Should().Be(PartSignatureCheck.Expired);
    }

    [Fact]
    public void The_signing_key_is_made_once_and_kept()
    {
        var data = new DataDirectory(_dataRoot);
        var first = new UploadSigner(data).Sign(Guid.Empty, "k", 1, 100);
        var second = new UploadSigner(data).Sign(Guid.Empty, "k", 1, 100);

        second.Should().Be(first);
        new FileInfo(Path.Combine(_dataRoot, "keys", UploadSigner.KeyFileName)).Length.Should().Be(32);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(_dataRoot, "keys", UploadSigner.KeyFileName)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private async Task<StoredPart> WritePartAsync(UploadInfo upload, int number, string content)
    {
        var result = await _uploads.WritePartAsync(upload.Id, upload.UploadKey, number, Body(content), Encoding.UTF8.GetByteCount(content), null);
        result.Error.Should().BeNull();
        return result.Value!;
    }

    private async Task<string> ReadAsync(UploadInfo upload)
    {
        using var reader = new StreamReader(_blobs.OpenRead(upload.FileKey));
        return await reader.ReadToEndAsync();
    }

    private Guid AddUser(string name)
    {
        using var db = _database.CreateDbContext();
        var user = new ApplicationUser { UserName = name, NormalizedUserName = name.ToUpperInvariant() };
        db.Users.Add(user);
        db.SaveChanges();
        return user.Id;
    }

    private static PartReference Ref(StoredPart part) => new(part.PartNumber, part.ETag);

    private static MemoryStream Body(string content) => new(Encoding.UTF8.GetBytes(content));

    private static string Md5Hex(string content) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)));

    private static string Sha256Hex(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>A body of <c>length</c> zero bytes that records how far it was read.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
