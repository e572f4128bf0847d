using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Chat.Web.Data;
using Chat.Web.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Web.Features.Auth;

/// <summary>Issues and describes the API's JWTs: HS256, 7 days, issuer/audience pinned, sub = user id, tv = token version.</summary>
public sealed class Tokens
{
    public const string Issuer = "e2e-chat";
    public const string Audience = "e2e-chat-clients";
    public const string VersionClaim = "tv";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    readonly SymmetricSecurityKey key;
    readonly TimeProvider clock;

    public Tokens(SymmetricSecurityKey key, TimeProvider clock)
    {
        this.key = key;
        this.clock = clock;
        Validation = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = JwtRegisteredClaimNames.Sub,
        };
    }

    public TokenValidationParameters Validation { get; }

    public string Issue(User user)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [VersionClaim] = user.TokenVersion,
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>
    /// JWT_SECRET, at least 32 bytes. Production refuses to start without one; elsewhere a random
    /// secret is generated once and kept in App_Data/jwt-secret so tokens survive restarts.
    /// </summary>
    public static SymmetricSecurityKey LoadKey(ChatSettings settings, IHostEnvironment env)
    {
        var secret = settings.JwtSecret;
        if (!string.IsNullOrEmpty(secret))
        {
            if (Encoding.UTF8.GetByteCount(secret) < 32)
                throw new InvalidOperationException("JWT_SECRET must be at least 32 bytes long.");
            return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        }
        if (env.IsProduction())
            throw new InvalidOperationException("JWT_SECRET is not set. In Production the app needs a secret of at least 32 bytes (e.g. `openssl rand -base64 48`).");
        var file = Path.Combine(env.ContentRootPath, "App_Data", "jwt-secret");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        if (!File.Exists(file)) File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(File.ReadAllText(file).Trim()));
    }

    public static long? UserId(ClaimsPrincipal p) =>
        long.TryParse(p.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? p.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static int? Version(ClaimsPrincipal p) =>
        int.TryParse(p.FindFirstValue(VersionClaim), out var v) ? v : null;
}
