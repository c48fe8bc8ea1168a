using System.Globalization;

namespace GrandChallenge.Domain.Uploads;

/// <summary>Byte counts as people read them in messages: "100 MiB", "1.5 GiB", "512 bytes".</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(long bytes)
    {
        if (Math.Abs(bytes) < 1024)
        {
            return bytes == 1 ? "1 byte" : $"{bytes} bytes";
        }

        double value = bytes;
        var unit = -1;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return $"{value.ToString(value % 1 == 0 ? "0" : "0.#", CultureInfo.InvariantCulture)} {Units[unit]}";
    }
}
