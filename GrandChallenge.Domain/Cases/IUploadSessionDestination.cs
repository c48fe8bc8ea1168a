namespace GrandChallenge.Domain.Cases;

/// <summary>
/// Where the images of a finished import go. The import calls every registered destination after it stored the
/// images of a session; each acts only on sessions addressed to it (an archive, an archive item, later a job input)
/// and returns error messages for images it refused (e.g. "Image imports should result in a single image").
/// </summary>
public interface IUploadSessionDestination
{
    bool Handles(UploadSession session);

    /// <summary>
    /// Whether <paramref name="actor"/> may send a new session to this destination (e.g. an archive's editors and
    /// uploaders); null when allowed, else the message for the API/UI. Called before the session is stored.
    /// </summary>
    Task<string?> AuthorizeAsync(Identity.Actor actor, UploadSession session, CancellationToken ct);

    /// <summary>Scope key that makes DICOM pseudonyms and UIDs consistent within the destination (an archive's key).</summary>
    Task<byte[]?> DeidentificationKeyAsync(UploadSession session, CancellationToken ct);

    Task<IReadOnlyList<string>> AcceptAsync(UploadSession session, IReadOnlyList<Image> images, CancellationToken ct);
}
