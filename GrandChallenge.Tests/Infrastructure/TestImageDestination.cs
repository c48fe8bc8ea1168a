using System.Collections.Concurrent;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Identity;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>
/// A real <see cref="IUploadSessionDestination"/> for import tests: it takes the sessions sent to an archive, lets
/// every signed-in user except those in <see cref="Refused"/> send there, and keeps what it was given.
/// </summary>
public sealed class TestImageDestination : IUploadSessionDestination
{
    public static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    public ConcurrentBag<Guid> Refused { get; } = [];

    public ConcurrentDictionary<Guid, IReadOnlyList<Guid>> Accepted { get; } = new();

    /// <summary>Messages <see cref="AcceptAsync"/> answers with, e.g. to test refusals of single images.</summary>
    public List<string> Refusals { get; } = [];

    public bool Handles(UploadSession session) => session.ArchiveId is not null;

    public Task<string?> AuthorizeAsync(Actor actor, UploadSession session, CancellationToken ct) =>
        Task.FromResult(actor.UserId is { } id && !Refused.Contains(id) ? null : "You may not add images to this archive.");

    public Task<byte[]?> DeidentificationKeyAsync(UploadSession session, CancellationToken ct) => Task.FromResult<byte[]?>(Key);

    public Task<IReadOnlyList<string>> AcceptAsync(UploadSession session, IReadOnlyList<Image> images, CancellationToken ct)
    {
        Accepted[session.Id] = images.Select(i => i.Id).ToList();
        return Task.FromResult<IReadOnlyList<string>>(Refusals);
    }
}
