using Chat.Web.Data;

namespace Chat.Web.Features.Auth;

/// <summary>What a user sees of themselves (and admins of everyone).</summary>
public sealed record AccountView(string Id, string Phone, string DisplayName, string IdentityKey, bool IsAdmin, DateTime CreatedAt, DateTime? LastSeenAt)
{
    public static AccountView From(User u) => new(u.Id.ToString(), u.Phone, u.DisplayName, u.IdentityKey, u.IsAdmin, u.CreatedAt, u.LastSeenAt);
}

public sealed record AuthResponse(string Token, AccountView User);
