using System.Security.Cryptography;
using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Features.Admin;

/// <summary>
/// ADMIN_PHONE + ADMIN_PASSWORD create the bootstrap admin (password hashed), or promote an existing
/// user with that phone. Runs after the migrator, before the app takes requests.
/// </summary>
sealed class AdminBootstrap(IServiceProvider services, ChatSettings settings, ILogger<AdminBootstrap> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (string.IsNullOrEmpty(settings.AdminPhone) || string.IsNullOrEmpty(settings.AdminPassword))
        {
            // ADMIN_PHONE alone still turns off "first user becomes admin", so say why there may be no admin.
            if (!string.IsNullOrEmpty(settings.AdminPhone))
                log.LogWarning("ADMIN_PHONE is set without ADMIN_PASSWORD: no bootstrap admin is created or promoted");
            return;
        }
        var phone = PhoneNumber.Normalize(settings.AdminPhone)
            ?? throw new InvalidOperationException("ADMIN_PHONE is not a valid international phone number.");
        if (settings.AdminPassword.Length is < 8 or > 128)
            throw new InvalidOperationException("ADMIN_PASSWORD must be 8 to 128 characters.");

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Phone == phone, ct);
        if (user is null)
        {
            user = new User
            {
                Phone = phone,
                DisplayName = "Admin",
                PasswordHash = scope.ServiceProvider.GetRequiredService<Passwords>().Hash(settings.AdminPassword),
                IdentityKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                CreatedAt = DateTime.UtcNow,
            };
            db.Users.Add(user);
        }
        user.IsAdmin = true;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // Another node created it at the same moment.
            db.ChangeTracker.Clear();
            await db.Users.Where(u => u.Phone == phone).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, true), ct);
        }
        await db.AppState.Where(s => s.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(x => x.AdminClaimed, true), ct);
        log.LogInformation("Bootstrap admin ready (user {UserId})", user.Id);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

public static class AdminSetup
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<AdminUsers>();
        builder.Services.AddHostedService<AdminBootstrap>();
        return builder;
    }
}
