namespace Broadcast.Testing;

/// <summary>Starts one built service of this solution as its own process on a free loopback port.</summary>
public static class ServiceLauncher
{
    /// <summary>
    /// Runs services/&lt;name&gt; with <paramref name="environment"/> as settings (e.g. <c>Edge__IdleGraceSeconds</c>)
    /// on <paramref name="port"/> or a free one; returns its base address and process.
    /// </summary>
    public static (Uri Address, ManagedProcess Process) Start(string name, Dictionary<string, string> environment, int? port = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}/");
        environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        environment["DOTNET_gcServer"] = "0"; // test clusters run several processes on two cores
        return (address, ManagedProcess.Start(ExternalTool.Find("dotnet"), [ServicePath(name)], environment));
    }

    /// <summary>The repository's root: the directory above this build that holds Broadcast.sln.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Broadcast.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Broadcast.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The built service next to this build: services/&lt;name&gt;/bin/&lt;configuration&gt;/net10.0/&lt;name&gt;.dll.</summary>
    public static string ServicePath(string name)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug"; // …/bin/<configuration>/net10.0/
        var path = Path.Combine(RepositoryRoot(), "services", name, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not built for {configuration}; build the solution first", path);
    }

    /// <summary>Waits until every address answers <paramref name="path"/> (readiness by default) with success.</summary>
    public static async Task WaitReadyAsync(IEnumerable<Uri> services, Func<string> logs, TimeSpan timeout, string path = "/healthz/ready")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var service in services)
        {
            await Poll.UntilAsync(
                async () => (await http.GetAsync(new Uri(service, path)).ConfigureAwait(false)).IsSuccessStatusCode,
                timeout,
                $"{service}{path} to succeed\n{logs()}").ConfigureAwait(false);
        }
    }
}
