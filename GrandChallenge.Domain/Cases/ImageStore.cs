using System.Security.Cryptography;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace GrandChallenge.Domain.Cases;

/// <summary>
/// Stores built images: the file of an image (a compressed <c>.mha</c> of a volume, a TIFF as it is) goes into the blob
/// store at <see cref="ImageFile.BlobKey"/>, and the <see cref="Image"/> is described from its voxels and tags. Used by the
/// upload import and by job outputs.
/// </summary>
public interface IImageStore
{
    /// <summary>
    /// Writes the file of <paramref name="built"/> to the blob store and returns the image with its file, not yet saved.
    /// The caller owns the blob from then on (<see cref="DeleteFilesAsync"/> when its rows are not saved); when this
    /// throws, nothing is stored.
    /// </summary>
    Task<Image> StoreAsync(BuiltImage built, Guid? originSessionId, CancellationToken ct = default);

    /// <summary>
    /// Builds exactly one image from <paramref name="files"/> (one image file and its companions, e.g. a job's output
    /// folder) with the registered builders, stores it and saves its rows. Fails with a message naming
    /// <paramref name="displayName"/> when the files are no image, are unreadable or hold more than one image.
    /// </summary>
    Task<Result<Image>> ImportAsync(IReadOnlyList<string> files, string displayName, CancellationToken ct = default);

    /// <summary>Deletes the stored files of an image whose rows were not saved (or were removed).</summary>
    Task DeleteFilesAsync(Image image);

    /// <summary>Removes a saved image's rows and files, e.g. when what was to use it could not be created.</summary>
    Task DeleteAsync(Guid imageId);
}

public sealed class ImageStore(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    IEnumerable<IImageBuilder> builders,
    DataDirectory dataDirectory,
    ILogger<ImageStore> logger) : IImageStore
{
    private const int MaxSegments = 64;

    public async Task<Image> StoreAsync(BuiltImage built, Guid? originSessionId, CancellationToken ct = default)
    {
        var image = new Image { Name = Truncate(built.Name, Image.MaxNameLength), OriginId = originSessionId };
        string? temporary = null;
        string localPath;
        string fileName;
        if (built.Volume is { } volume)
        {
            Describe(image, volume);
            fileName = $"{image.Id:D}.mha";
            temporary = Path.Combine(dataDirectory.Folder("image-store"), $"{Guid.NewGuid():N}.mha");
            localPath = temporary;
        }
        else if (built.Tiff is { } tiff)
        {
            Describe(image, tiff);
            fileName = $"{image.Id:D}.tif";
            localPath = tiff.Path;
        }
        else
        {
            throw new InvalidOperationException($"The builder returned image {built.Name} without a volume or a TIFF.");
        }

        var type = built.Volume is null ? ImageFileType.Tiff : ImageFileType.Mhd;
        var file = new ImageFile { ImageId = image.Id, ImageType = type, FileName = fileName };
        try
        {
            if (temporary is not null)
            {
                MetaImageWriter.Write(built.Volume!, temporary, compress: true);
            }

            await using var content = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            file.Sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
            content.Position = 0;
            file.SizeInStorage = await blobs.WriteAsync(file.BlobKey, content, ct);
        }
        catch
        {
            await DeleteBlobAsync(file.BlobKey);
            throw;
        }
        finally
        {
            if (temporary is not null)
            {
                DeleteFile(temporary);
            }
        }

        image.Files.Add(file);
        return image;
    }

    public async Task<Result<Image>> ImportAsync(IReadOnlyList<string> files, string displayName, CancellationToken ct = default)
    {
        var work = Path.Combine(dataDirectory.Folder("image-store"), $"build-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        var built = new List<BuiltImage>();
        try
        {
            var errors = new List<string>();
            var remaining = files.ToList();
            var context = new ImageBuildContext(work, null, ImageReadOptions.Default with { TemporaryDirectory = work });
            foreach (var builder in builders.OrderBy(b => b.Order))
            {
                if (remaining.Count == 0)
                {
                    break;
                }

                var result = builder.Build(remaining, context, ct);
                built.AddRange(result.Images);
                errors.AddRange(result.FileErrors.Values);
                remaining.RemoveAll(result.ConsumedFiles.Contains);
            }

            if (built.Count > 1)
            {
                return Result<Image>.Fail($"Only 1 image should be produced in '{displayName}', found {built.Count}");
            }

            if (built.Count == 0)
            {
                var reason = errors.Count > 0 ? errors[0] : "none of its files is a supported image";
                return Result<Image>.Fail($"The image in '{displayName}' could not be imported: {reason}");
            }

            var image = await StoreAsync(built[0], null, ct);
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                db.Images.Add(image);
                await db.SaveChangesAsync(ct);
            }
            catch
            {
                await DeleteFilesAsync(image);
                throw;
            }

            return Result<Image>.Ok(image);
        }
        finally
        {
            foreach (var image in built)
            {
                image.Dispose();
            }

            DeleteDirectory(work);
        }
    }

    public async Task DeleteFilesAsync(Image image)
    {
        foreach (var file in image.Files)
        {
            await DeleteBlobAsync(file.BlobKey);
        }
    }

    public async Task DeleteAsync(Guid imageId)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var image = await db.Images.Include(i => i.Files).FirstOrDefaultAsync(i => i.Id == imageId);
        if (image is null)
        {
            return;
        }

        db.Images.Remove(image);
        await db.SaveChangesAsync();
        await DeleteFilesAsync(image);
    }

    private static void Describe(Image image, ImageVolume volume)
    {
        var metadata = ImageMetadata.From(volume, image.Name);
        image.Width = metadata.Width;
        image.Height = metadata.Height;
        image.Depth = metadata.Depth;
        image.Timepoints = metadata.Timepoints;
        image.Channels = volume.Channels;
        image.PixelType = volume.PixelType.ToString();
        image.ColorSpace = metadata.ColorSpace;
        image.VoxelWidthMm = metadata.VoxelWidthMm;
        image.VoxelHeightMm = metadata.VoxelHeightMm;
        image.VoxelDepthMm = metadata.VoxelDepthMm;
        image.Geometry = new ImageGeometry { Origin = [.. volume.Origin], Direction = [.. volume.Direction] };
        image.WindowCenter = metadata.WindowCenter;
        image.WindowWidth = metadata.WindowWidth;
        image.Modality = metadata.Modality is { } modality ? Truncate(modality, 16) : null;
        image.PatientId = Tag(volume, "PatientID", 64);
        image.PatientName = Tag(volume, "PatientName", 324);
        image.PatientBirthDate = Tag(volume, "PatientBirthDate", 16);
        image.PatientAge = Tag(volume, "PatientAge", 4);
        image.PatientSex = Tag(volume, "PatientSex", 1);
        image.StudyDate = Tag(volume, "StudyDate", 16);
        image.StudyInstanceUid = Tag(volume, "StudyInstanceUID", 64);
        image.SeriesInstanceUid = Tag(volume, "SeriesInstanceUID", 64);
        image.StudyDescription = Tag(volume, "StudyDescription", 64);
        image.SeriesDescription = Tag(volume, "SeriesDescription", 64);
        image.Segments = SegmentsOf(volume);
    }

    private static void Describe(Image image, TiffDescription tiff)
    {
        image.Width = tiff.Width;
        image.Height = tiff.Height;
        image.Channels = tiff.Channels;
        image.PixelType = tiff.PixelType.ToString();
        image.ColorSpace = tiff.ColorSpace.ApiName();
        image.ResolutionLevels = tiff.ResolutionLevels;
        image.VoxelWidthMm = tiff.VoxelWidthMm;
        image.VoxelHeightMm = tiff.VoxelHeightMm;
    }

    /// <summary>The distinct values of an 8-bit single-channel image when there are few enough to be labels.</summary>
    private static List<int>? SegmentsOf(ImageVolume volume)
    {
        if (volume.PixelType != PixelType.UInt8 || volume.Channels != 1)
        {
            return null;
        }

        var seen = new bool[256];
        var count = 0;
        var buffer = new byte[1 << 20];
        for (long offset = 0; offset < volume.Pixels.Length; offset += buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, volume.Pixels.Length - offset));
            volume.Pixels.Read(offset, chunk);
            foreach (var b in chunk)
            {
                if (!seen[b])
                {
                    seen[b] = true;
                    if (++count > MaxSegments)
                    {
                        return null;
                    }
                }
            }
        }

        return Enumerable.Range(0, 256).Where(v => seen[v]).ToList();
    }

    private static string Tag(ImageVolume volume, string name, int maxLength) =>
        volume.Tags.TryGetValue(name, out var value) ? Truncate(value.Trim(), maxLength) : "";

    private static string Truncate(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];

    private async Task DeleteBlobAsync(string key)
    {
        try
        {
            await blobs.DeleteAsync(key);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not delete {Key} of an image that was not kept", key);
        }
    }

    private void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the temporary file {Path}", path);
        }
    }

    private void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the work directory {Path}", path);
        }
    }
}
