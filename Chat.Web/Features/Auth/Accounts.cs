using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Keys;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Auth;

public abstract record LoginResult
{
    public sealed record SignedIn(User User) : LoginResult;
    /// <summary>Unknown phone or wrong password: the caller answers both alike.</summary>
    public sealed record Refused : LoginResult;
    public sealed record Throttled(ThrottleDecision Decision) : LoginResult;
}

public abstract record RegisterResult
{
    public sealed record Created(User User) : RegisterResult;
    public sealed record PhoneTaken : RegisterResult;
}

/// <summary>Registration, sign-in and session checks: the one place the browser pages and the JSON API both call.</summary>
public sealed class Accounts(ChatDbContext db, Passwords passwords, WriteGate writes, IFanout fanout, AuditLog audit, KeyDirectory keys, Throttle throttle, ThrottlePolicies limits, ChatSettings settings, IHostEnvironment env, TimeProvider clock)
{
    /// <summary>Creates the user; the first one becomes admin when auto-admin is on (see AdminClaim).</summary>
    public async Task<RegisterResult> RegisterAsync(RegisterRequest r, CancellationToken ct)
    {
        var user = new User
        {
            Phone = PhoneNumber.Normalize(r.Phone)!,
            DisplayName = r.DisplayName!.Trim(),
            PasswordHash = passwords.Hash(r.Password!),
            IdentityKey = r.IdentityKey!,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        using var _ = await writes.EnterAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            return new RegisterResult.PhoneTaken();
        }
        if (r.Bundle() is { } bundle)
        {
            keys.Stage(user.Id, bundle.DeviceId!.Value, bundle, StoredTime.Now(clock));
            await db.SaveChangesAsync(ct);
        }
        if (AutoAdminEnabled && await ClaimFirstAdminAsync(ct))
        {
            user.IsAdmin = true;
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        await fanout.PublishAsync(Delivery.ToEveryone(new UserRegisteredEvent(PublicUser.From(user))), CancellationToken.None);
        return new RegisterResult.Created(user);
    }

    /// <summary>
    /// The user when phone and password match; null otherwise, at the same cost either way
    /// (an unknown phone is verified against a decoy hash). Both outcomes are audited.
    /// </summary>
    public async Task<LoginResult> LoginAsync(string phone, string password, CancellationToken ct)
    {
        var normalized = PhoneNumber.Normalize(phone);
        // Per phone, whatever the IP: password guessing against one account is slowed from everywhere.
        var perPhone = await throttle.HitAsync(limits.LoginPerPhone, normalized ?? phone);
        if (!perPhone.Allowed) return new LoginResult.Throttled(perPhone);
        var user = normalized is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Phone == normalized, ct);
        var ok = passwords.Verify(password, user?.PasswordHash);
        await WriteAuditAsync(ok ? "auth.login" : "auth.login_failed", ok ? user!.Id : null, user?.Id,
            ok ? null : $"phone={normalized ?? "(invalid)"}", ct);
        return ok ? new LoginResult.SignedIn(user!) : new LoginResult.Refused();
    }

    /// <summary>"Log out everywhere": every token and cookie issued so far stops working.</summary>
    public async Task RevokeSessionsAsync(long userId, CancellationToken ct)
    {
        using var _ = await writes.EnterAsync(ct);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.TokenVersion, u => u.TokenVersion + 1), ct);
        // Their browsers' push subscriptions go too: a lost device must stop showing previews of new messages.
        await db.PushSubscriptions.Where(p => p.UserId == userId).ExecuteDeleteAsync(ct);
        audit.Add("auth.sessions_revoked", userId, userId);
        await db.SaveChangesAsync(ct);
        await fanout.PublishAsync(Delivery.SessionsRevoked(userId), ct);
    }

    /// <summary>Changes the password and revokes every older session; the user (with the new token version) on success.</summary>
    public async Task<User?> ChangePasswordAsync(long userId, string currentPassword, string newPassword, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null || !passwords.Verify(currentPassword, user.PasswordHash)) return null;
        user.PasswordHash = passwords.Hash(newPassword);
        user.TokenVersion++;
        audit.Add("auth.password_changed", userId, userId);
        using (await writes.EnterAsync(ct)) await db.SaveChangesAsync(ct);
        await fanout.PublishAsync(Delivery.SessionsRevoked(userId), ct);
        return user;
    }

    async Task WriteAuditAsync(string action, long? actorId, long? targetId, string? details, CancellationToken ct)
    {
        audit.Add(action, actorId, targetId, details);
        using var _ = await writes.EnterAsync(ct);
        await db.SaveChangesAsync(ct);
    }

    public Task<User?> FindAsync(long id, CancellationToken ct) => db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct);

    /// <summary>Whether the user is an admin, while the user exists and the token's version is current; null otherwise.</summary>
    public Task<bool?> SessionAsync(long userId, int tokenVersion, CancellationToken ct) => Session.For(db)(db, userId, tokenVersion, ct);

    /// <summary>Compiled: it runs on every authenticated request.</summary>
    static readonly CompiledQuery<Func<ChatDbContext, long, int, CancellationToken, Task<bool?>>> Session = new(() => EF.CompileAsyncQuery(
        (ChatDbContext db, long userId, int tokenVersion, CancellationToken _) =>
            db.Users.Where(u => u.Id == userId && u.TokenVersion == tokenVersion).Select(u => (bool?)u.IsAdmin).FirstOrDefault()));

    /// <summary>
    /// Without a bootstrap admin the first user becomes admin: on by default outside Production,
    /// off in Production unless AUTO_ADMIN_FIRST_USER=true.
    /// </summary>
    bool AutoAdminEnabled =>
        string.IsNullOrEmpty(settings.AdminPhone) && (settings.AutoAdminFirstUser ?? !env.IsProduction());

    /// <summary>
    /// Flips app_state.AdminClaimed in the caller's transaction. The row lock makes concurrent
    /// registrations queue here, and only the first sees a row change.
    /// </summary>
    async Task<bool> ClaimFirstAdminAsync(CancellationToken ct) =>
        await db.AppState.Where(s => s.Id == 1 && !s.AdminClaimed)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.AdminClaimed, true), ct) == 1;
}
