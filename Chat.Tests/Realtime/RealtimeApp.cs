using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Realtime;

/// <summary>
/// An app for the realtime suites with the per-connection frame limit raised, so bulk senders are
/// not throttled (the rate limit has a test of its own). Fan-out in-process: these suites are about
/// storage and the protocol; the Redis bus has MultiNodeTests.
/// </summary>
public abstract class RealtimeApp(TestServers servers, Storage storage) : IAsyncLifetime
{
    public ChatHost Host { get; private set; } = null!;
    public Storage Storage => storage;
    public TestServers Servers => servers;

    public async ValueTask InitializeAsync() => Host = await ChatHost.StartAsync(servers, storage, Bulk);

    public static void Bulk(IDictionary<string, string?> settings)
    {
        settings["WS_FRAMES_PER_SECOND"] = "100000";
        settings["WS_FRAME_BURST"] = "100000";
        settings["RATE_LIMIT_MESSAGES_PER_10S"] = "100000";
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

public sealed class RealtimePostgresApp(TestServers servers) : RealtimeApp(servers, Storage.Postgres);

public sealed class RealtimeSqliteApp(TestServers servers) : RealtimeApp(servers, Storage.Sqlite);

public static class Conversations
{
    public static async Task<string> IdAsync(ChatHost host, TestUser me, TestUser peer)
    {
        using var client = host.Client(me.Token);
        var body = await client.GetFromJsonAsync<JsonElement>($"/conversations/{peer.Id}", TestContext.Current.CancellationToken);
        return body.GetProperty("conversationId").GetString()!;
    }
}
