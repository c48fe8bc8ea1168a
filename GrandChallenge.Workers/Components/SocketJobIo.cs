using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Workers.Components;

/// <summary>
/// The container contract on sockets: input values staged at <c>/input/[&lt;prefix&gt;/]&lt;relative path&gt;</c> with
/// <c>inputs.json</c>, outputs read per output socket into new, validated socket values.
/// </summary>
public sealed class SocketJobIo(
    IDbContextFactory<AppDbContext> dbFactory, InputStager stager, SocketOutputReader reader, ISocketValueService values) : IComponentJobIo
{
    public async Task StageInputsAsync(ComponentJob job, string inputDirectory, CancellationToken ct)
    {
        var inputs = job.Values.Where(v => !v.IsOutput).ToList();
        var ids = inputs.Select(v => v.SocketValueId).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.SocketValues.AsNoTracking().Include(v => v.Socket).Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);

        foreach (var group in inputs.GroupBy(v => v.Prefix))
        {
            var staged = new List<StagedInput>();
            foreach (var input in group)
            {
                var value = stored[input.SocketValueId];
                if (value.ImageId is not null)
                {
                    throw new InputStagingException($"The input '{value.Socket!.Title}' is an image; image inputs need the image store, which this platform does not have yet.");
                }

                staged.Add(new StagedInput(value.Socket!, value));
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
                { FilePath: { } path } when !output.Socket.KindInfo.IsImage => await CreateFileAsync(output.Socket, path, ct),
                { ImageFiles: not null } => null,
                _ => await values.GetOrCreateJsonAsync(output.Socket, output.Value, ct),
            };

            if (created is null)
            {
                errors[output.Socket.Title] = $"The image output '{output.Socket.RelativePath}' cannot be imported yet: this platform has no image store.";
            }
            else if (!created.Value.Succeeded)
            {
                errors[output.Socket.Title] = created.Value.Error!;
            }
            else
            {
                ids.Add(created.Value.Value!.Id);
            }
        }

        return errors.Count == 0 ? new JobOutputs(ids) : JobOutputs.Failed(errors.Values.First(), errors);
    }

    private async Task<Domain.Common.Result<SocketValue>?> CreateFileAsync(Socket socket, string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await values.CreateFileAsync(socket, file, socket.FileName, ct);
    }
}
