using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>A self-signed server certificate made at run time and written as PEM files (no keys are kept in the repository).</summary>
public static class TestCertificate
{
    /// <summary>Writes <c>server.crt</c> and <c>server.key</c> (ECDSA P-256, CN=localhost, valid for a day) into
    /// <paramref name="directory"/> and returns their paths.</summary>
    public static (string Certificate, string Key) WritePem(string directory)
    {
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
