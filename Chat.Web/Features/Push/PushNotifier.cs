using System.Net;
using System.Text.Json;
using Chat.Web.Data;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Realtime;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.EntityFrameworkCore;
using WebPushSubscription = Lib.Net.Http.WebPush.PushSubscription;

namespace Chat.Web.Features.Push;

/// <summary>
/// Sends the notifications of new messages, in the background (<see cref="PushQueue"/>). A conversation's first new
/// message waits PUSH_COALESCE_MILLISECONDS for more, so a burst makes one notification ("3 new messages from Ann").
/// Then each member who sees the messages gets one, unless they sent the last one, are online on any node, muted the
/// conversation (or want mentions only and were not mentioned), or have read it by now. 404/410 from the push service
/// means the browser unsubscribed: the subscription is deleted.
/// </summary>
public sealed class PushNotifier(PushQueue queue, PushOptions options, IServiceScopeFactory scopes, ConversationMembers members,
    IPresenceStore presence, IHttpClientFactory http, WriteGate writes, ILogger<PushNotifier> log) : BackgroundService
{
    /// <summary>Conversations whose notifications are being sent at once; a slow push service holds up only these.</summary>
    const int MaxConcurrent = 8;
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly Dictionary<long, List<Message>> waiting = [];
    readonly SemaphoreSlim sending = new(MaxConcurrent);
    readonly HashSet<Task> running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in queue.Reader.ReadAllAsync(stoppingToken))
            {
                lock (waiting)
                {
                    if (waiting.TryGetValue(message.ConversationId, out var burst)) { burst.Add(message); continue; }
                    waiting[message.ConversationId] = [message];
                }
                Track(NotifyAfterWindowAsync(message.ConversationId, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    void Track(Task task)
    {
        lock (running) running.Add(task);
        task.ContinueWith(t => { lock (running) running.Remove(t); }, TaskScheduler.Default);
    }

    async Task NotifyAfterWindowAsync(long conversationId, CancellationToken ct)
    {
        try
        {
            await Task.Delay(options.Settings.CoalesceMilliseconds, ct);
            List<Message> burst;
            lock (waiting)
            {
                burst = waiting[conversationId];
                waiting.Remove(conversationId);
            }
            await sending.WaitAsync(ct);
            try { await NotifyAsync(conversationId, burst, ct); }
            finally { sending.Release(); }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            log.LogError(e, "Push notifications of conversation {ConversationId} failed", conversationId);
        }
    }

    async Task NotifyAsync(long conversationId, List<Message> burst, CancellationToken ct)
    {
        var last = burst.MaxBy(m => m.Seq)!;
        if (await members.GetAsync(conversationId, ct) is not { } list) return;
        var candidates = list.Members.Where(m => m.IsCurrent && m.Sees(last.Seq) && m.UserId != last.SenderId).Select(m => m.UserId).ToList();
        if (candidates.Count == 0) return;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var subscriptions = (await db.PushSubscriptions.AsNoTracking().Where(s => candidates.Contains(s.UserId)).ToListAsync(ct))
            .GroupBy(s => s.UserId).ToDictionary(g => g.Key, g => g.ToList());
        if (subscriptions.Count == 0) return;
        var recipients = await (from m in db.Members.AsNoTracking()
                                join u in db.Users on m.UserId equals u.Id
                                where m.ConversationId == conversationId && m.LeftAt == null && subscriptions.Keys.Contains(m.UserId)
                                select new { u.Id, u.DisplayName, u.ShowPreviews, m.Notifications }).ToListAsync(ct);
        var inbox = scope.ServiceProvider.GetRequiredService<Inbox>();
        foreach (var r in recipients)
        {
            if (r.Notifications == NotificationLevel.Muted) continue;
            if (r.Notifications == NotificationLevel.MentionsOnly && !burst.Any(m => m.SenderId != r.Id && Mentions(m, r.DisplayName))) continue;
            if (await presence.IsOnlineAsync(r.Id)) continue; // the open app shows it
            // Last, just before sending: read on another device in the meantime means nothing to notify of.
            if (await inbox.EntryAsync(r.Id, conversationId, ct) is not { Unread: > 0 } entry) continue;
            var payload = JsonSerializer.Serialize(PushPayload.For(entry, r.Id, r.ShowPreviews), Json);
            foreach (var subscription in subscriptions[r.Id]) await SendAsync(db, subscription, payload, conversationId, ct);
        }
    }

    /// <summary>A mention is "@" and the member's display name, case-insensitively, in the text (docs/api.md, "Push").</summary>
    static bool Mentions(Message m, string displayName) =>
        PushPayload.Text(MessageView.From(m)) is { } text && text.Contains("@" + displayName, StringComparison.OrdinalIgnoreCase);

    async Task SendAsync(ChatDbContext db, Data.PushSubscription subscription, string payload, long conversationId, CancellationToken ct)
    {
        var target = new WebPushSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        var client = new PushServiceClient(http.CreateClient(PushHttp.ClientName))
        {
            DefaultAuthentication = options.Authentication,
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
        };
        try
        {
            // Topic: the push service keeps only the newest undelivered message per conversation for an offline browser.
            await client.RequestPushMessageDeliveryAsync(target, new PushMessage(payload) { Topic = $"c{conversationId}", TimeToLive = 24 * 3600, Urgency = PushMessageUrgency.High }, ct);
        }
        catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            // The browser dropped the subscription; never post to it again. (The endpoint is a secret: only the id is logged.)
            using (await writes.EnterAsync(ct))
                await db.PushSubscriptions.Where(s => s.Id == subscription.Id).ExecuteDeleteAsync(ct);
            log.LogInformation("Push subscription {SubscriptionId} is gone ({Status}); deleted", subscription.Id, (int)e.StatusCode);
        }
        catch (Exception e) when (e is PushServiceClientException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            log.LogWarning("Push to subscription {SubscriptionId} failed: {Error}", subscription.Id,
                e is PushServiceClientException p ? $"HTTP {(int)p.StatusCode}" : e.GetType().Name);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Task[] left;
        lock (running) left = [.. running];
        await Task.WhenAll(left).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
