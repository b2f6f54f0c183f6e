using System.Diagnostics;

namespace Broadcast.Testing;

/// <summary>
/// Runs a real command-line tool (ffprobe, ffmpeg, …) with a timeout. A missing tool is an error with the
/// fix in its message: `deploy/local/test.sh` installs what the tests need.
/// </summary>
public static class ExternalTool
{
    public static string Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"'{name}' is not on PATH; run deploy/local/test.sh, which installs it from Debian packages.");
    }

    /// <summary>Runs the tool, returns its standard output (and error, if asked); throws with its standard error on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string name, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, bool includeStandardError = false)
    {
        var start = new ProcessStartInfo(Find(name))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var error = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} did not finish within {timeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}");
        }

        return includeStandardError
            ? await output.ConfigureAwait(false) + await error.ConfigureAwait(false)
            : await output.ConfigureAwait(false);
    }
}
