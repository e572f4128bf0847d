namespace Chat.Web.Features.Realtime;

/// <summary>Counts a user's connections across nodes; answers whether a change crossed online/offline.</summary>
public interface IPresenceStore
{
    /// <summary>True when this connection made the user online (their first anywhere).</summary>
    Task<bool> ConnectedAsync(IChatEventSink connection);
    /// <summary>True when this was the user's last connection anywhere.</summary>
    Task<bool> DisconnectedAsync(IChatEventSink connection);
    Task<bool> IsOnlineAsync(long userId);
}
