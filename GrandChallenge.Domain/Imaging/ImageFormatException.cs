namespace GrandChallenge.Domain.Imaging;

/// <summary>A file is not a readable image of the format that was tried; the message is shown to the uploader.</summary>
public sealed class ImageFormatException : Exception
{
    public ImageFormatException(string message)
        : base(message)
    {
    }

    public ImageFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
