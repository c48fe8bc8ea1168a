using System.Text;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Tests.Infrastructure;

namespace GrandChallenge.Tests.Domain;

[Trait("Category", "Unit")]
public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-blobs");
    private readonly LocalBlobStore _store;

    public LocalBlobStoreTests() => _store = new LocalBlobStore(new DataDirectory(_root));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Written_blobs_read_back_and_whole_prefixes_delete()
    {
        var length = await _store.WriteAsync("uploads/u1/a/file", new MemoryStream(Encoding.UTF8.GetBytes("hello")));
        await _store.WriteAsync("uploads/u1/b/file", new MemoryStream([1, 2, 3]));

        length.Should().Be(5);
        using (var reader = new StreamReader(_store.OpenRead("uploads/u1/a/file")))
        {
            (await reader.ReadToEndAsync()).Should().Be("hello");
        }

        await _store.DeletePrefixAsync("uploads/u1");
        _store.Exists("uploads/u1/a/file").Should().BeFalse();
        _store.Exists("uploads/u1/b/file").Should().BeFalse();
    }

    [Fact]
    public async Task A_failed_write_leaves_the_previous_blob_intact()
    {
        await _store.WriteAsync("k/v", new MemoryStream([1]));

        var act = () => _store.WriteAsync("k/v", new FailingStream());

        await act.Should().ThrowAsync<IOException>();
        _store.Length("k/v").Should().Be(1);
        Directory.GetFiles(Path.GetDirectoryName(_store.LocalPath("k/v"))!).Should().HaveCount(1, "no partial file is left behind");
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public void Keys_that_could_leave_the_store_are_refused(string key) =>
        FluentActions.Invoking(() => _store.LocalPath(key)).Should().Throw<ArgumentException>();

    private sealed class FailingStream : MemoryStream
    {
        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
            throw new IOException("disk on fire");
    }
}

[Trait("Category", "Unit")]
public sealed class ChangeNotifierTests
{
    [Fact]
    public async Task Subscribers_get_messages_of_their_topic_until_they_unsubscribe()
    {
        var notifier = new ChangeNotifier();
        var received = new List<object?>();
        var got = new SemaphoreSlim(0);
        var subscription = notifier.Subscribe("job/1", payload =>
        {
            lock (received)
            {
                received.Add(payload);
            }

            got.Release();
            return Task.CompletedTask;
        });

        notifier.Publish("job/2", "other");
        notifier.Publish("job/1", "mine");
        (await got.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        subscription.Dispose();
        notifier.Publish("job/1", "after");
        await Task.Delay(50);

        received.Should().Equal("mine");
    }

    [Fact]
    public async Task Each_subscriber_gets_messages_in_publishing_order()
    {
        var notifier = new ChangeNotifier();
        var received = new List<int>();
        var all = new TaskCompletionSource();
        using var subscription = notifier.Subscribe("job/1", async payload =>
        {
            await Task.Delay(Random.Shared.Next(3));
            received.Add((int)payload!);
            if (received.Count == 50)
            {
                all.SetResult();
            }
        });

        for (var i = 0; i < 50; i++)
        {
            notifier.Publish("job/1", i);
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        received.Should().Equal(Enumerable.Range(0, 50));
    }
}
