using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Broadcast.Shared.Stations;
using Microsoft.AspNetCore.Connections;

namespace Broadcast.Ingest.Sources;

/// <summary>libshout's <c>OPTIONS *</c> probe, and the RFC 2817 upgrade to TLS when the ingest has a certificate.</summary>
internal sealed partial class SourceConnectionMiddleware
{
    /// <summary>
    /// Answers the probe: with a certificate configured and TLS asked for, <c>101</c> and TLS on this connection
    /// (RFC 2817), then the source is served inside it; otherwise as Icecast 2.4 answers without TLS (204, no
    /// <c>Upgrade</c>), so libshout (TLS "auto") goes on in plain HTTP on a new connection. A probe that is not a
    /// request gets 400.
    /// </summary>
    private async Task AnswerProbeAsync(ConnectionContext connection, string? remote)
    {
        var (input, output, closed) = (connection.Transport.Input, connection.Transport.Output, connection.ConnectionClosed);
        var request = await ReadHeadAsync(input, output, closed).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        var upgrade = request.Header("Upgrade") ?? string.Empty;
        if (tls.Certificate is null || !upgrade.Contains("TLS/1.0", StringComparison.OrdinalIgnoreCase))
        {
            SourceLog.Probed(logger, StationName.Printable(upgrade));
            await SourceResponses.WriteAsync(output, SourceResponses.ProbeAnswer, closed).ConfigureAwait(false);
            return;
        }

        await SourceResponses.WriteAsync(output, SourceResponses.SwitchToTls, closed).ConfigureAwait(false);
        await using var ssl = new SslStream(new DuplexPipeStream(input, output), leaveInnerStreamOpen: false);
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(closed))
        {
            limit.CancelAfter(TimeSpan.FromSeconds(options.Value.HeaderTimeoutSeconds));
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = tls.Certificate }, limit.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException)
            {
                SourceLog.TlsFailed(logger, remote, exception.Message);
                return;
            }
        }

        var secure = new SourceConnection(PipeReader.Create(ssl), PipeWriter.Create(ssl), remote, connection.Abort, closed);
        await SourceResponses.WriteAsync(secure.Output, SourceResponses.ProbeAnswerInTls, closed).ConfigureAwait(false);
        await ServeSecureAsync(secure).ConfigureAwait(false);
    }

    /// <summary>
    /// Inside TLS: libshout first sends its challenge (a request without credentials); that 401 keeps the connection,
    /// and the request with credentials that follows is served as any source.
    /// </summary>
    private async Task ServeSecureAsync(SourceConnection connection)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var request = await ReadHeadAsync(connection.Input, connection.Output, connection.ConnectionClosed).ConfigureAwait(false);
            if (request is null)
            {
                return;
            }

            if (request.Header("Authorization") is null && attempt == 0)
            {
                await SourceResponses.WriteAsync(connection.Output, SourceResponses.ChallengeKeepAlive, connection.ConnectionClosed).ConfigureAwait(false);
                continue;
            }

            await ServeAsync(connection, request).ConfigureAwait(false);
            return;
        }
    }
}
