using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.EndToEnd.Tests;

/// <summary>
/// With a certificate configured, libshout's upgrade probe gets a real RFC 2817 upgrade: TLS on the same connection,
/// the probe's answer, the challenge and the credentials inside it. Driven by a client that follows libshout's
/// sequence step by step: Debian's <c>shout</c> closes every TLS connection after the handshake here, also against
/// <c>openssl s_server</c> with a certificate it was told to trust, so it cannot show this.
/// </summary>
[Collection(nameof(TlsUpgradeTests))]
public sealed class TlsUpgradeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LibshoutsSequence_UpgradesToTls_ChallengesInside_AndStreams()
    {
        var ct = TestContext.Current.CancellationToken;
        var (certificate, key) = await SelfSignedAsync(ct);
        await using var cluster = await BroadcastCluster.StartAsync(edges: 1, ingestSettings: new Dictionary<string, string>
        {
            ["Ingest__TlsCertificatePath"] = certificate,
            ["Ingest__TlsKeyPath"] = key,
        });
        using var client = new TcpClient();
        await client.ConnectAsync(cluster.Ingest.Host, cluster.Ingest.Port, ct);
        var plain = client.GetStream();

        // libshout 2.4's order (proto_http.c): the probe, 101, TLS, the probe's own answer inside TLS, the challenge
        // without credentials (401, same connection), then the source with them.
        await plain.WriteAsync("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0, HTTP/1.1\r\n\r\n"u8.ToArray(), ct);
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols", await ReadHeadAsync(plain, ct), StringComparison.Ordinal);
        using var trusted = X509CertificateLoader.LoadCertificateFromFile(certificate);
        await using var tls = new SslStream(plain, leaveInnerStreamOpen: false, (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(trusted.RawData));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" }, ct);
        Assert.StartsWith("HTTP/1.1 204", await ReadHeadAsync(tls, ct), StringComparison.Ordinal);
        await tls.WriteAsync("SOURCE /tls.mp3 HTTP/1.0\r\nContent-Type: audio/mpeg\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n"u8.ToArray(), ct);
        var challenge = await ReadHeadAsync(tls, ct);
        Assert.StartsWith("HTTP/1.1 401", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", challenge, StringComparison.Ordinal);
        var body = new byte[25];
        await tls.ReadExactlyAsync(body, ct); // the challenge's body, by its Content-Length
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"SOURCE /tls.mp3 HTTP/1.0\r\nAuthorization: {SourceClient.Basic("source", BroadcastCluster.SourcePassword)}\r\nContent-Type: audio/mpeg\r\nice-name: TLS FM\r\n\r\n"), ct);
        Assert.StartsWith("HTTP/1.0 200 OK", await ReadHeadAsync(tls, ct), StringComparison.Ordinal);

        var file = await Media.ToneAsync("mp3", seconds: 30, ct);
        using var feeding = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var feed = Media.FeedRealTimeAsync(tls, await File.ReadAllBytesAsync(file, ct), 16_000, feeding.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(cluster.Gateway, "/tls.mp3");
        await Listener.WaitLiveAsync(http, url, Timeout, cluster.Logs);
        var capture = await Listener.CaptureAsync(http, url, TimeSpan.FromSeconds(3), ct);
        Assert.Equal("mp3", await Listener.DecodeAsync(capture, ct));
        await feeding.CancelAsync();
        await feed;
    }

    /// <summary>Reads a response head byte by byte (so nothing after it is consumed).</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Timeout);
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, limit.Token) == 0 || head.Count > 8192)
            {
                throw new IOException("no response head: " + Encoding.Latin1.GetString([.. head]));
            }

            head.Add(one[0]);
        }

        return Encoding.Latin1.GetString([.. head]);
    }

    [Fact]
    public async Task UpgradeProbe_WithACertificate_Switches_AndGarbageInsteadOfTlsCostsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (certificate, key) = await SelfSignedAsync(ct);
        await using var cluster = await BroadcastCluster.StartAsync(edges: 1, ingestSettings: new Dictionary<string, string>
        {
            ["Ingest__TlsCertificatePath"] = certificate,
            ["Ingest__TlsKeyPath"] = key,
        });
        var answer = await SourceClient.RawAsync(cluster.Ingest, "OPTIONS * HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0, HTTP/1.1\r\n\r\n", "not a TLS hello at all\r\n\r\n"u8.ToArray(), ct);
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols", answer, StringComparison.Ordinal);

        // The ingest shrugged the garbage off: it still serves sources in plain HTTP.
        await using var source = SourceClient.StartFfmpeg(cluster.Ingest, "/after.mp3", "mp3", seconds: 20);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Listener.WaitLiveAsync(http, new Uri(cluster.Gateway, "/after.mp3"), Timeout, cluster.Logs + source.Output);
        using var health = await http.GetAsync(new Uri(cluster.Ingest, "/healthz/ready"), ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>A self-signed certificate for 127.0.0.1 (PEM certificate and key files), valid for a day.</summary>
    private static async Task<(string Certificate, string Key)> SelfSignedAsync(CancellationToken ct)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("127.0.0.1"); // libshout checks the host it was given against the names (X509_check_host)
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        var directory = Directory.CreateTempSubdirectory("tls-").FullName;
        var (certificatePath, keyPath) = (Path.Combine(directory, "ingest.crt"), Path.Combine(directory, "ingest.key"));
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem(), ct);
        await File.WriteAllTextAsync(keyPath, rsa.ExportPkcs8PrivateKeyPem(), ct);
        return (certificatePath, keyPath);
    }
}
