using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Uploads;

public enum PartSignatureCheck
{
    Valid,
    Invalid,
    Expired,
}

/// <summary>
/// Signs part URLs the way S3 presigns them: HMAC-SHA256 over <c>uploadId:uploadKey:partNumber:expiresUnix</c>
/// with a secret kept in <c>&lt;data&gt;/keys/uploads.key</c> (created once; every node of a cluster shares the
/// data folder and so the key). Whoever holds a URL may send that one part until it expires, without other credentials.
/// </summary>
public sealed class UploadSigner
{
    public const string KeyFileName = "uploads.key";
    private readonly byte[] _key;

    public UploadSigner(DataDirectory data)
    {
        _key = LoadOrCreateKey(Path.Combine(data.Folder("keys"), KeyFileName));
    }

    public string Sign(Guid uploadId, string uploadKey, int partNumber, long expiresUnix)
    {
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{uploadId:D}:{uploadKey}:{partNumber}:{expiresUnix}"));
        return Base64Url.EncodeToString(HMACSHA256.HashData(_key, message));
    }

    public PartSignatureCheck Check(Guid uploadId, string uploadKey, int partNumber, long expiresUnix, string? signature, DateTimeOffset now)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(uploadId, uploadKey, partNumber, expiresUnix));
        var given = Encoding.ASCII.GetBytes(signature ?? "");
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return PartSignatureCheck.Invalid;
        }

        return now.ToUnixTimeSeconds() > expiresUnix ? PartSignatureCheck.Expired : PartSignatureCheck.Valid;
    }

    private static byte[] LoadOrCreateKey(string path)
    {
        if (!File.Exists(path))
        {
            // Written aside and moved into place without overwriting, so two processes starting at once agree on one key.
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temp, options))
            {
                file.Write(RandomNumberGenerator.GetBytes(32));
            }

            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }

        var key = File.ReadAllBytes(path);
        return key.Length >= 32 ? key : throw new InvalidOperationException($"The upload signing key {path} is shorter than 32 bytes; delete it to have a new one made.");
    }
}
