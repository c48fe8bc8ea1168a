namespace GrandChallenge.Domain.Imaging.Import;

/// <summary>
/// MetaImage: a <c>.mha</c> holds header and data; a <c>.mhd</c> header names its <c>.raw</c>/<c>.zraw</c> data file
/// next to it, and the two become one image (both consumed). A data file no header names is left to later builders.
/// </summary>
public sealed class MetaImageBuilder : IImageBuilder
{
    public int Order => 10;

    public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
    {
        var result = new ImageBuildResult();
        var available = new HashSet<string>(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            if (result.ConsumedFiles.Contains(file) || !Recognises(file))
            {
                continue;
            }

            var dataFile = DataFileOf(file);
            if (dataFile is not null && !available.Contains(dataFile))
            {
                // Only the upload's own files count: never read a file the header points at elsewhere.
                result.AddError(file, $"{Path.GetFileName(file)}: its data file {Path.GetFileName(dataFile)} was not uploaded with it.");
                continue;
            }

            var consumed = dataFile is null ? new[] { file } : [file, dataFile];
            try
            {
                var volume = MetaImageReader.Read(file, context.ReadOptions);
                result.AddImage(new BuiltImage { Name = Path.GetFileName(file), Volume = volume, ConsumedFiles = consumed });
            }
            catch (Exception e) when (ImageBuilding.IsReadFailure(e))
            {
                foreach (var f in consumed)
                {
                    result.AddError(f, ImageBuilding.Describe(e, "MetaImage"));
                }
            }
        }

        return result;
    }

    private static bool Recognises(string file) =>
        ImageBuilding.HasExtension(file, ".mha", ".mhd")
        || ImageBuilding.Detect(file) is ImageFileFormat.MetaImageMha or ImageFileFormat.MetaImageMhd;

    /// <summary>The full path of the external data file the header names, or null for LOCAL data or an unreadable header.</summary>
    private static string? DataFileOf(string header)
    {
        IReadOnlyDictionary<string, string> fields;
        try
        {
            fields = MetaImageReader.ReadHeaderFields(header);
        }
        catch (Exception e) when (ImageBuilding.IsReadFailure(e))
        {
            return null; // the full read reports what is wrong
        }

        if (!fields.TryGetValue("ElementDataFile", out var name) || name.Equals("LOCAL", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("LIST", StringComparison.OrdinalIgnoreCase) || name.Contains('%') || name.Contains(' '))
        {
            return null;
        }

        var bare = name.Replace('\\', '/').Split('/')[^1];
        return bare.Length == 0 ? null : Path.Combine(Path.GetDirectoryName(header)!, bare);
    }
}
