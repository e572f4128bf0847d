using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Auth;

/// <summary>bcrypt hashing. The cost is BCRYPT_WORK_FACTOR (default 11).</summary>
public sealed class Passwords(ChatSettings settings)
{
    // Verified against when the phone is unknown, so that both kinds of failed login cost one bcrypt verification.
    readonly Lazy<string> decoy = new(() => BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString(), settings.BcryptWorkFactor));

    public string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, settings.BcryptWorkFactor);

    public bool Verify(string password, string? hash)
    {
        if (hash is not null) return BCrypt.Net.BCrypt.Verify(password, hash);
        BCrypt.Net.BCrypt.Verify(password, decoy.Value);
        return false;
    }
}
