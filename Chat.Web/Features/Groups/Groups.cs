using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Groups;

/// <summary>
/// Group membership: create, rename, add, remove, promote, leave. Admins rename, add, remove and promote; anyone leaves,
/// and the last admin leaving makes the longest-standing member admin. Each change is a system message in the timeline
/// (<see cref="ConversationChanges"/>). Every check runs inside the change's transaction, after its row lock, so two
/// admins acting at once cannot pass the cap or leave a group without an admin.
/// </summary>
public sealed class Groups(ChatDbContext db, ConversationChanges changes, GroupSettings settings)
{
    static ChangeRefused NotFound => new(404, "not_found", "No such group.");
    static ChangeRefused NotAdmin => new(403, "not_admin", "Only a group admin may do this.");

    /// <summary>A new group of the creator (its admin) and <paramref name="memberIds"/>.</summary>
    public async Task<(long? Id, ChangeRefused? Refused)> CreateAsync(long creatorId, string name, IReadOnlyCollection<long> memberIds, CancellationToken ct)
    {
        var others = memberIds.Where(id => id != creatorId).Distinct().ToList();
        if (others.Count + 1 > settings.MaxMembers) return (null, TooMany());
        if (await MissingUserAsync(others, ct) is { } missing) return (null, missing);
        var people = others.Select(id => new ConversationMember { UserId = id, Role = MemberRole.Member })
            .Prepend(new ConversationMember { UserId = creatorId, Role = MemberRole.Admin }).ToList();
        var group = await changes.StartAsync(new Conversation { Kind = ConversationKind.Group, Name = name.Trim() }, people, creatorId,
            new SystemEvent("created", creatorId.ToString(), [.. others.Select(id => id.ToString())], name.Trim()), ct);
        return (group.Id, null);
    }

    public Task<ChangeRefused?> RenameAsync(long actorId, long groupId, string name, CancellationToken ct) =>
        changes.ApplyAsync(groupId, actorId, async (_, _) =>
        {
            if (await AdminCheckAsync(groupId, actorId, ct) is { } refused) return refused;
            await db.Conversations.Where(c => c.Id == groupId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, name.Trim()), ct);
            return new SystemEvent("renamed", actorId.ToString(), [], name.Trim());
        }, ct);

    public Task<ChangeRefused?> AddAsync(long actorId, long groupId, IReadOnlyCollection<long> userIds, CancellationToken ct) =>
        changes.ApplyAsync(groupId, actorId, async (seq, now) =>
        {
            if (await AdminCheckAsync(groupId, actorId, ct) is { } refused) return refused;
            var rows = await db.Members.Where(m => m.ConversationId == groupId).ToListAsync(ct);
            var adding = userIds.Distinct().Where(id => !rows.Any(m => m.UserId == id && m.LeftAt == null)).ToList();
            if (adding.Count == 0) return new ChangeRefused(400, "already_members", "They are all members already.");
            if (rows.Count(m => m.LeftAt == null) + adding.Count > settings.MaxMembers) return TooMany();
            if (await MissingUserAsync(adding, ct) is { } missing) return missing;
            foreach (var id in adding)
            {
                // Someone who left and comes back sees the history from their return.
                var member = rows.FirstOrDefault(m => m.UserId == id);
                if (member is null) db.Members.Add(member = new ConversationMember { ConversationId = groupId, UserId = id });
                (member.Role, member.JoinedAt, member.JoinedAfterSeq, member.LeftAt, member.LeftAtSeq) = (MemberRole.Member, now, seq - 1, null, null);
                (member.DeliveredUpToSeq, member.ReadUpToSeq) = (seq - 1, seq - 1);
            }
            return new SystemEvent("added", actorId.ToString(), [.. adding.Select(id => id.ToString())], null);
        }, ct);

    public Task<ChangeRefused?> RemoveAsync(long actorId, long groupId, long userId, CancellationToken ct) =>
        changes.ApplyAsync(groupId, actorId, async (seq, now) =>
        {
            if (userId == actorId) return new ChangeRefused(400, "use_leave", "To leave a group, leave it.");
            if (await AdminCheckAsync(groupId, actorId, ct) is { } refused) return refused;
            var member = await db.Members.FirstOrDefaultAsync(m => m.ConversationId == groupId && m.UserId == userId && m.LeftAt == null, ct);
            if (member is null) return new ChangeRefused(404, "not_a_member", "They are not a member of this group.");
            // They see this system message (the last of their period) and nothing after it.
            (member.LeftAt, member.LeftAtSeq) = (now, seq);
            return new SystemEvent("removed", actorId.ToString(), [userId.ToString()], null);
        }, ct);

    public Task<ChangeRefused?> PromoteAsync(long actorId, long groupId, long userId, CancellationToken ct) =>
        changes.ApplyAsync(groupId, actorId, async (_, _) =>
        {
            if (await AdminCheckAsync(groupId, actorId, ct) is { } refused) return refused;
            var member = await db.Members.FirstOrDefaultAsync(m => m.ConversationId == groupId && m.UserId == userId && m.LeftAt == null, ct);
            if (member is null) return new ChangeRefused(404, "not_a_member", "They are not a member of this group.");
            if (member.Role == MemberRole.Admin) return new ChangeRefused(400, "already_admin", "They are an admin already.");
            member.Role = MemberRole.Admin;
            return new SystemEvent("promoted", actorId.ToString(), [userId.ToString()], null);
        }, ct);

    public Task<ChangeRefused?> LeaveAsync(long userId, long groupId, CancellationToken ct) =>
        changes.ApplyAsync(groupId, userId, async (seq, now) =>
        {
            if (!await IsGroupAsync(groupId, ct)) return NotFound;
            var current = await db.Members.Where(m => m.ConversationId == groupId && m.LeftAt == null).ToListAsync(ct);
            if (current.FirstOrDefault(m => m.UserId == userId) is not { } me) return NotFound;
            (me.LeftAt, me.LeftAtSeq) = (now, seq);
            List<SystemEvent> events = [new("left", userId.ToString(), [userId.ToString()], null)];
            var rest = current.Where(m => m != me).ToList();
            if (me.Role == MemberRole.Admin && rest.Count > 0 && rest.All(m => m.Role != MemberRole.Admin))
            {
                var next = rest.OrderBy(m => m.JoinedAt).ThenBy(m => m.UserId).First();
                next.Role = MemberRole.Admin;
                events.Add(new SystemEvent("promoted", userId.ToString(), [next.UserId.ToString()], null));
            }
            return events;
        }, ct);

    /// <summary>The group as <paramref name="viewerId"/> sees it: null unless they are or were a member.</summary>
    public async Task<GroupView?> ViewAsync(long viewerId, long groupId, CancellationToken ct)
    {
        var group = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == groupId && c.Kind == ConversationKind.Group, ct);
        if (group is null) return null;
        var me = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.ConversationId == groupId && m.UserId == viewerId, ct);
        if (me is null) return null;
        var members = await (from m in db.Members.AsNoTracking()
                             join u in db.Users on m.UserId equals u.Id
                             where m.ConversationId == groupId && m.LeftAt == null
                             orderby m.Role descending, u.DisplayName, u.Id
                             select new MemberView(u.Id.ToString(), u.DisplayName, m.Role == MemberRole.Admin ? "admin" : "member", m.JoinedAt)).ToListAsync(ct);
        return new GroupView(group.Id.ToString(), group.Name ?? "", group.CreatedAt, group.LastSeq, MemberView.RoleName(me.Role), me.LeftAt is not null,
            members.Count, members);
    }

    Task<bool> IsGroupAsync(long groupId, CancellationToken ct) => db.Conversations.AnyAsync(c => c.Id == groupId && c.Kind == ConversationKind.Group, ct);

    /// <summary>A non-member (or a direct conversation) is told the group does not exist; a member who is not admin, that they may not.</summary>
    async Task<ChangeRefused?> AdminCheckAsync(long groupId, long actorId, CancellationToken ct)
    {
        if (!await IsGroupAsync(groupId, ct)) return NotFound;
        var role = await db.Members.Where(m => m.ConversationId == groupId && m.UserId == actorId && m.LeftAt == null)
            .Select(m => (MemberRole?)m.Role).FirstOrDefaultAsync(ct);
        return role switch { null => NotFound, MemberRole.Admin => null, _ => NotAdmin };
    }

    async Task<ChangeRefused?> MissingUserAsync(IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var found = await db.Users.CountAsync(u => ids.Contains(u.Id), ct);
        return found == ids.Count ? null : new ChangeRefused(400, "unknown_user", "One of the users does not exist.");
    }

    ChangeRefused TooMany() => new(400, "too_many_members", $"A group has at most {settings.MaxMembers} members.");
}
