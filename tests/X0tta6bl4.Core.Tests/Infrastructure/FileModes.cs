namespace X0tta6bl4.Core.Tests.Infrastructure;

internal static class FileModes
{
    /// <summary>chmod with an octal string; a no-op on Windows, which has no mode bits.</summary>
    public static void Set(string path, string octal)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));
        }
    }
}
