namespace Chat.Web.Data;

/// <summary>What anyone signed in may see of a user: the API's directory, the chat screen and the events share it.</summary>
public sealed record PublicUser(string Id, string Phone, string DisplayName, string IdentityKey, DateTime? LastSeenAt)
{
    public static PublicUser From(User u) => new(u.Id.ToString(), u.Phone, u.DisplayName, u.IdentityKey, u.LastSeenAt);
}
