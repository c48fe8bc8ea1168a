namespace GrandChallenge.Domain.Cases;

/// <summary>
/// Where the images of a finished import go. The import calls every registered destination after it stored the
/// images of a session; each acts only on sessions addressed to it (an archive, an archive item, later a job input)
/// and returns error messages for images it refused (e.g. "Image imports should result in a single image").
/// </summary>
public interface IUploadSessionDestination
{
    bool Handles(UploadSession session);

    /// <summary>Scope key that makes DICOM pseudonyms and UIDs consistent within the destination (an archive's key).</summary>
    Task<byte[]?> DeidentificationKeyAsync(UploadSession session, CancellationToken ct);

    Task<IReadOnlyList<string>> AcceptAsync(UploadSession session, IReadOnlyList<Image> images, CancellationToken ct);
}
