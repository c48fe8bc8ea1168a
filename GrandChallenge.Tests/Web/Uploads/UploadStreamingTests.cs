using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using GrandChallenge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace GrandChallenge.Tests.Web.Uploads;

/// <summary>Tests that measure the process's memory run alone, so other tests' allocations do not blur the figures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurements (run alone)";
}

/// <summary>Large bodies over real HTTP (Kestrel on loopback): streamed to storage, past the server's default body limit.</summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasurementCollection.Name)]
public sealed class UploadStreamingTests(KestrelAppFixture fixture, ITestOutputHelper output) : IClassFixture<KestrelAppFixture>
{
    private const long MiB = 1 << 20;

    private async Task<UploadClient> NewUserAsync()
    {
        var user = await fixture.App.CreateUserAsync($"big{Guid.NewGuid():N}"[..16]);
        var token = await fixture.App.CreateTokenAsync(user.Id);
        var authenticated = new HttpClient { BaseAddress = fixture.App.ServerAddress, Timeout = TimeSpan.FromMinutes(5) };
        authenticated.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new UploadClient(authenticated, new HttpClient { Timeout = TimeSpan.FromMinutes(5) });
    }

    [Fact]
    public async Task A_300_MB_upload_in_20_MB_parts_is_streamed_not_held_in_memory()
    {
        const long size = 300 * MiB, partSize = 20 * MiB;
        var partCount = (int)(size / partSize);
        var uploads = await NewUserAsync();
        var sha256 = await PatternStream.Sha256HexAsync(size);
        var upload = await uploads.CreateAsync("volume.raw", size, sha256);
        var urls = await uploads.PartUrlsAsync(upload, Enumerable.Range(1, partCount).ToArray());

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        using var sampling = new CancellationTokenSource();
        var peak = baseline;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(5);
            }
        });

        var clock = Stopwatch.StartNew();
        var etags = new List<(int, string)>();
        for (var part = 1; part <= partCount; part++)
        {
            var content = new StreamContent(new PatternStream(size, (part - 1) * partSize, partSize));
            content.Headers.ContentLength = partSize;
            var response = await uploads.PutAsync(urls[part], content);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            etags.Add((part, response.Headers.ETag!.Tag));
        }

        var sent = clock.Elapsed;
        var completed = await uploads.CompleteAsync(upload, etags.ToArray());
        var assembled = clock.Elapsed - sent;
        await sampling.CancelAsync();
        await sampler;

        completed.StatusCode.Should().Be(HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
        var done = await completed.Content.ReadFromJsonAsync<JsonElement>();
        done.GetProperty("size").GetInt64().Should().Be(size);
        done.GetProperty("sha256").GetString().Should().Be(sha256);
        var growth = peak - baseline;
        output.WriteLine($"300 MB in {partCount} parts: sent in {sent.TotalSeconds:0.0} s, assembled in {assembled.TotalSeconds:0.0} s; " +
            $"managed heap peak {growth / (double)MiB:0.0} MB above the {baseline / (double)MiB:0.0} MB baseline.");
        growth.Should().BeLessThan(size / 3, "parts and the assembled file stream through; neither is held in memory");
    }

    [Fact]
    public async Task Parts_and_whole_files_past_the_servers_default_body_limit_go_through_but_other_endpoints_keep_it()
    {
        // Kestrel refuses bodies over 30,000,000 bytes unless an endpoint lifts the limit; the upload limits apply instead.
        const long size = 40 * MiB;
        var uploads = await NewUserAsync();
        var upload = await uploads.CreateAsync("part.bin");
        var url = (await uploads.PartUrlsAsync(upload, 1))[1];

        var part = await uploads.PutAsync(url, new StreamContent(new PatternStream(size, 0, size)));
        var form = new MultipartFormDataContent { { new StreamContent(new PatternStream(size, 0, size)), "file", "whole.bin" } };
        var whole = await uploads.Http.PostAsync("api/v1/uploads/", form);
        var json = new byte[31 * MiB];
        Array.Fill(json, (byte)'a');
        "{\"name\": \""u8.CopyTo(json);
        // With "Expect: 100-continue" the server can refuse by the announced length before the body is sent.
        var otherEndpoint = await uploads.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/v1/users/me/tokens/")
        {
            Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            Headers = { ExpectContinue = true },
        });

        part.StatusCode.Should().Be(HttpStatusCode.OK, await part.Content.ReadAsStringAsync());
        whole.StatusCode.Should().Be(HttpStatusCode.Created, await whole.Content.ReadAsStringAsync());
        (await whole.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sha256").GetString().Should().Be(await PatternStream.Sha256HexAsync(size));
        otherEndpoint.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    /// <summary>
    /// <c>count</c> bytes from <c>offset</c> of a deterministic pseudo-random file of <c>total</c> bytes, made while read,
    /// so a test can send hundreds of megabytes without holding them.
    /// </summary>
    private sealed class PatternStream(long total, long offset, long count) : Stream
    {
        private long _position;

        public static async Task<string> Sha256HexAsync(long total)
        {
            using var sha = SHA256.Create();
            return Convert.ToHexStringLower(await sha.ComputeHashAsync(new PatternStream(total, 0, total)));
        }

        public override int Read(byte[] buffer, int offset1, int count1) => Read(buffer.AsSpan(offset1, count1));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, count - _position);
            for (var i = 0; i < n; i++)
            {
                var at = offset + _position + i;
                // A cheap hash of the position: every byte depends on where it is, so misplaced parts change the SHA-256.
                var x = (ulong)at * 0x9E3779B97F4A7C15UL;
                buffer[i] = (byte)((x >> 32) ^ (x >> 56));
            }

            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset1, int count1, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset1, count1)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => total;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset1, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset1, int count1) => throw new NotSupportedException();
    }
}
