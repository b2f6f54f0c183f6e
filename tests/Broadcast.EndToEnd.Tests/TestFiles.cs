namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// Captures and recordings the tests decode: one directory per test process, removed when the process exits, so a
/// run leaves nothing in the machine's temporary directory (a full run used to leave about forty files behind).
/// </summary>
internal static class TestFiles
{
    private static readonly string Directory = CreateDirectory();

    /// <summary>A new, unused path in this run's directory; <paramref name="kind"/> names it for whoever reads a failure.</summary>
    public static string NewPath(string kind, string extension = "") => Path.Combine(Directory, $"{kind}-{Guid.NewGuid():N}{extension}");

    private static string CreateDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"broadcast-e2e-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // a decoder still holds a file: the directory stays, named by the run's process
            }
        };
        return directory;
    }
}
