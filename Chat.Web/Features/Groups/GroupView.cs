using Chat.Web.Data;

namespace Chat.Web.Features.Groups;

/// <summary>A group as its members see it. <see cref="Role"/> and <see cref="Left"/> are the caller's own.</summary>
public sealed record GroupView(string Id, string Name, DateTime CreatedAt, long LastSeq, string Role, bool Left, int MemberCount, IReadOnlyList<MemberView> Members);

public sealed record MemberView(string UserId, string DisplayName, string Role, DateTime JoinedAt)
{
    public static string RoleName(MemberRole role) => role == MemberRole.Admin ? "admin" : "member";
}
