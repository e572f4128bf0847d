using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Chat.Tests.Push;

/// <summary>Checks an RFC 8292 "Authorization: vapid t=JWT, k=key" header, from the RFCs (ES256 over header.claims).</summary>
public static class VapidToken
{
    public static void Verify(string? authorization, string expectedPublicKey, Uri audience, string subject)
    {
        Assert.NotNull(authorization);
        Assert.StartsWith("vapid ", authorization);
        var parameters = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(expectedPublicKey.TrimEnd('='), parameters["k"].TrimEnd('='));

        var parts = parameters["t"].Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[0])).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        var key = WebEncoders.Base64UrlDecode(parameters["k"].TrimEnd('='));
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = key[1..33], Y = key[33..65] },
        });
        Assert.True(ecdsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), WebEncoders.Base64UrlDecode(parts[2]),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), "the token is signed with the app's VAPID key");

        var claims = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1])).RootElement;
        Assert.Equal(audience.GetLeftPart(UriPartial.Authority), claims.GetProperty("aud").GetString());
        Assert.Equal(subject, claims.GetProperty("sub").GetString());
        var expires = DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64());
        Assert.InRange(expires, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(24));
    }
}
