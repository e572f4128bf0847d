using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Media;

/// <summary>Every few minutes, removes uploads never sent within MEDIA_ORPHAN_HOURS (and attachments of messages deleted since).</summary>
public sealed class OrphanSweep(IServiceScopeFactory scopes, MediaSettings settings, TimeProvider clock, ILogger<OrphanSweep> log) : BackgroundService
{
    static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "The media orphan sweep failed; it runs again in {Minutes} minutes", Interval.TotalMinutes);
            }
        }
    }

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var cutoff = StoredTime.Now(clock).AddHours(-settings.OrphanHours);
        var removed = await scope.ServiceProvider.GetRequiredService<MediaRemoval>().RemoveOrphansAsync(cutoff, ct);
        if (removed > 0) log.LogInformation("Removed {Count} unsent uploads", removed);
        return removed;
    }
}
