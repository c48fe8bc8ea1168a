using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Workers.Components;

/// <summary>
/// The container contract on sockets: input values staged at <c>/input/[&lt;prefix&gt;/]&lt;relative path&gt;</c> with
/// <c>inputs.json</c>, outputs read per output socket into new, validated socket values. An image input is its stored
/// file (<c>.mha</c> or TIFF) in the socket's folder; an image output is built with the image builders into a new stored
/// image.
/// </summary>
public sealed class SocketJobIo(
    IDbContextFactory<AppDbContext> dbFactory,
    InputStager stager,
    SocketOutputReader reader,
    ISocketValueService values,
    IImageStore images,
    IBlobStore blobs) : IComponentJobIo
{
    public async Task StageInputsAsync(ComponentJob job, string inputDirectory, CancellationToken ct)
    {
        var inputs = job.Values.Where(v => !v.IsOutput).ToList();
        var ids = inputs.Select(v => v.SocketValueId).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.SocketValues.AsNoTracking().Include(v => v.Socket).Include(v => v.Image).ThenInclude(i => i!.Files)
            .Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);

        foreach (var group in inputs.GroupBy(v => v.Prefix))
        {
            var staged = new List<StagedInput>();
            foreach (var input in group)
            {
                var value = stored[input.SocketValueId];
                staged.Add(new StagedInput(value.Socket!, value, value.ImageId is null ? null : InputImageOf(value)));
            }

            var directory = group.Key.Length == 0 ? inputDirectory : Path.Combine(inputDirectory, group.Key);
            await stager.StageAsync(directory, staged, ct);
        }

        if (inputs.Count == 0)
        {
            await stager.StageAsync(inputDirectory, [], ct);
        }
    }

    public async Task<JobOutputs> ReadOutputsAsync(ComponentJob job, string outputDirectory, CancellationToken ct)
    {
        if (job.OutputSocketIds.Count == 0)
        {
            return new JobOutputs([]);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sockets = await db.Sockets.AsNoTracking().Where(s => job.OutputSocketIds.Contains(s.Id)).ToListAsync(ct);
        var ids = new List<long>();
        var errors = new Dictionary<string, string>();
        foreach (var output in reader.Read(outputDirectory, sockets))
        {
            if (!output.Succeeded)
            {
                errors[output.Socket.Title] = output.Error!;
                continue;
            }

            var created = output switch
            {
                { ImageFiles: { } files } => await CreateImageAsync(output.Socket, files, ct),
                { FilePath: { } path } => await CreateFileAsync(output.Socket, path, ct),
                _ => await values.GetOrCreateJsonAsync(output.Socket, output.Value, ct),
            };

            if (!created.Succeeded)
            {
                errors[output.Socket.Title] = created.Error!;
            }
            else
            {
                ids.Add(created.Value!.Id);
            }
        }

        return errors.Count == 0 ? new JobOutputs(ids) : JobOutputs.Failed(errors.Values.First(), errors);
    }

    /// <summary>The stored file of an input image (its .mha, else its TIFF), which must still be in the blob store.</summary>
    private InputImage InputImageOf(SocketValue value)
    {
        var image = value.Image!;
        var file = image.Files.Where(f => f.ImageType is ImageFileType.Mhd or ImageFileType.Tiff).OrderBy(f => f.ImageType).FirstOrDefault();
        if (file is null || !blobs.Exists(file.BlobKey))
        {
            throw new InputStagingException($"The image '{image.Name}' of input '{value.Socket!.Title}' has no stored .mha or TIFF file; it cannot be given to the container.");
        }

        return new InputImage(image.Id, image.Name, blobs.LocalPath(file.BlobKey));
    }

    /// <summary>Imports the socket's output image into a new image and makes its value; on failure nothing is kept.</summary>
    private async Task<Domain.Common.Result<SocketValue>> CreateImageAsync(Socket socket, IReadOnlyList<string> files, CancellationToken ct)
    {
        var name = socket.RelativePath.Length == 0 ? "/output" : socket.RelativePath;
        var imported = await images.ImportAsync(files, name, ct);
        if (!imported.Succeeded)
        {
            return imported.As<SocketValue>();
        }

        var imageId = imported.Value!.Id;
        try
        {
            var created = await values.GetOrCreateImageAsync(socket, imageId, ct);
            if (!created.Succeeded)
            {
                await images.DeleteAsync(imageId);
            }

            return created;
        }
        catch
        {
            await images.DeleteAsync(imageId);
            throw;
        }
    }

    private async Task<Domain.Common.Result<SocketValue>> CreateFileAsync(Socket socket, string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await values.CreateFileAsync(socket, file, socket.FileName, ct);
    }
}
