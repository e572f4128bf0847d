using System.Globalization;
using Chat.Web.Features.Messaging;
using StackExchange.Redis;

namespace Chat.Web.Features.Realtime;

/// <summary>
/// The bus's channels: <c>{REDIS_PREFIX}events</c> alone (PUBLISH / SUBSCRIBE), or with REDIS_FANOUT_SHARDS = n the
/// sharded channels <c>…events:0</c> to <c>…events:{n-1}</c> (SPUBLISH / SSUBSCRIBE), which a Redis Cluster spreads over its masters. A delivery goes on
/// its conversation's channel (a user's, for what has no conversation), so one conversation's events keep their order.
/// The first channel also carries the nodes' joins and welcomes.
/// </summary>
public sealed class BusShards
{
    readonly Dictionary<string, int> index = []; // by name: a received channel's flags need not match the subscribed one's

    public BusShards(string prefix, int count)
    {
        count = CountFor(count);
        // One channel stays classic pub/sub (any Redis, and the nodes of an earlier release hear it); more are sharded (Redis 7).
        Channels = count == 1
            ? [RedisChannel.Literal(prefix + "events")]
            : [.. Enumerable.Range(0, count).Select(i => RedisChannel.Sharded($"{prefix}events:{i}"))];
        for (var i = 0; i < Channels.Length; i++) index[Channels[i].ToString()] = i;
    }

    public static int CountFor(int setting) => Math.Clamp(setting, 1, 1024);

    public RedisChannel[] Channels { get; }

    public RedisChannel Control => Channels[0];

    public int Count => Channels.Length;

    /// <summary>The shard of a channel a message came on; -1 for one that is not the bus's.</summary>
    public int IndexOf(RedisChannel channel) => index.GetValueOrDefault(channel.ToString(), -1);

    public int Of(Delivery d) => IndexFor(Key(d));

    /// <summary>The channel that carries a conversation's events.</summary>
    public RedisChannel ForConversation(long conversationId) => Channels[IndexFor(conversationId)];

    int IndexFor(long key) => Count == 1 ? 0 : (int)((ulong)key % (ulong)Count);

    static long Key(Delivery d) => d.ConversationId ?? d.Event switch
    {
        MessageEvent m => Id(m.Message.ConversationId),
        ReceiptEvent r => Id(r.ConversationId),
        TypingEvent { ConversationId: { } c } => Id(c),
        PresenceEvent p => Id(p.UserId), // one user's comings and goings in their order, whoever hears of them
        _ => d.UserIds.Length > 0 ? d.UserIds[0] : 0,
    };

    static long Id(string id) => long.Parse(id, CultureInfo.InvariantCulture);
}
