using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// The certificate the ingest offers encoders that ask to upgrade to TLS (libshout's <c>OPTIONS *</c> with
/// <c>Upgrade: TLS/1.0</c>, RFC 2817), loaded once at start-up from <see cref="IngestOptions.TlsCertificatePath"/>.
/// Without one the probe is answered as Icecast answers it without TLS, and encoders go on in plain HTTP.
/// </summary>
internal sealed class SourceTls
{
    public SourceTls(IOptions<IngestOptions> options)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.TlsCertificatePath))
        {
            return;
        }

        // PEM certificate and key (as cert-manager and Let's Encrypt write them), or one PKCS#12 file.
        Certificate = string.IsNullOrEmpty(settings.TlsKeyPath)
            ? X509CertificateLoader.LoadPkcs12FromFile(settings.TlsCertificatePath, settings.TlsCertificatePassword)
            : X509Certificate2.CreateFromPemFile(settings.TlsCertificatePath, settings.TlsKeyPath);
    }

    public X509Certificate2? Certificate { get; }
}
