using System.Net;
using Chat.Tests.Infrastructure;
using Chat.Web.Features.Realtime;
using Chat.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Chat.Tests.Realtime;

/// <summary>Two nodes of one deployment on PostgreSQL and a three-master Redis Cluster, the bus on six sharded channels.</summary>
public sealed class ClusterNodes(TestServers servers) : IAsyncLifetime
{
    public const int Shards = 6;
    public RedisCluster Cluster { get; } = new();
    public ChatHost A { get; private set; } = null!;
    public ChatHost B { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Cluster.InitializeAsync();
        var database = await servers.CreateDatabaseAsync();
        void Configure(IDictionary<string, string?> s)
        {
            RealtimeApp.Bulk(s);
            s["REDIS_URL"] = Cluster.Configuration;
            s["REDIS_FANOUT_SHARDS"] = Shards.ToString();
        }
        A = await ChatHost.StartAsync(servers, Storage.Postgres, Configure, database, redis: true);
        B = await ChatHost.StartAsync(servers, Storage.Postgres, Configure, database, redis: true);
    }

    /// <summary>The port of the master that holds a conversation's bus channel.</summary>
    public int MasterOf(long conversationId)
    {
        var settings = A.Services.GetRequiredService<ChatSettings>();
        var channel = new BusShards(settings.RedisPrefix, Shards).ForConversation(conversationId);
        var redis = A.Services.GetRequiredService<IConnectionMultiplexer>();
        var slot = redis.HashSlot(channel.ToString());
        var owner = redis.GetServer(redis.GetEndPoints()[0]).ClusterConfiguration!.GetBySlot(slot)!.EndPoint;
        return owner switch { IPEndPoint ip => ip.Port, DnsEndPoint dns => dns.Port, _ => throw new InvalidOperationException($"{owner}") };
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

[Collection(nameof(RedisOutage))]
public sealed class RedisClusterTests(ClusterNodes nodes) : IClassFixture<ClusterNodes>
{
    static readonly TimeSpan LongWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_nodes_on_a_three_master_cluster_exchange_messages_and_presence_and_a_restarted_master_loses_nothing_after_sync()
    {
        var ann = await nodes.A.RegisterAsync();
        var bob = await nodes.B.RegisterAsync();
        var conversation = await Conversations.IdAsync(nodes.A, ann, bob);
        // The bus's six channels, each on the master that owns its slot: spread over the cluster, not on one master.
        var prefix = nodes.A.Services.GetRequiredService<ChatSettings>().RedisPrefix;
        var perMaster = await Task.WhenAll(nodes.Cluster.Ports.Select(p => nodes.Cluster.ShardChannelsAsync(p, prefix + "events*")));
        Assert.Equal(ClusterNodes.Shards, perMaster.Sum(c => c.Length));
        Assert.True(perMaster.Count(c => c.Length > 0) > 1, "every channel is on one master");

        await using var annSocket = await SocketClient.ConnectAsync(nodes.A, ann);
        await using (var bobFirst = await SocketClient.ConnectAsync(nodes.B, bob))
        {
            // Presence across nodes: the presence keys live on whichever master their slot falls on.
            var online = await annSocket.TakeAsync(f => f.Type() == "presence" && f.Str("userId") == bob.Id, LongWait);
            Assert.True(online.GetProperty("online").GetBoolean());
        }
        var offline = await annSocket.TakeAsync(f => f.Type() == "presence" && f.Str("userId") == bob.Id && !f.GetProperty("online").GetBoolean(), LongWait);
        Assert.Equal(bob.Id, offline.Str("userId"));
        await using var bobSocket = await SocketClient.ConnectAsync(nodes.B, bob);

        // The master that carries this conversation's channel goes away for a second and comes back empty.
        var recovered = await OutageExchange.RunAsync(annSocket, ann, bobSocket, bob, conversation,
            () => nodes.Cluster.RestartAsync(nodes.MasterOf(long.Parse(conversation)), TimeSpan.FromSeconds(1)));
        Assert.True(recovered > 0, "the restart should have cost some live deliveries, which sync recovered");

        // Live delivery on the restarted master's channel resumes by itself, both ways.
        Assert.True(await MultiNodeTests.FirstLiveProbeAsync(annSocket, bobSocket, bob, "a-probe-") is not null, "A to B never resumed");
        Assert.True(await MultiNodeTests.FirstLiveProbeAsync(bobSocket, annSocket, ann, "b-probe-") is not null, "B to A never resumed");
    }
}
