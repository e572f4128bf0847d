namespace Chat.Web.Features.Secret;

/// <summary>
/// A pair's secret conversation as the chat page opens it: its id once started. Everything else it shows (keys,
/// safety number, messages) the browser works out from the key directory and its own IndexedDB, never the server.
/// </summary>
public sealed record SecretChat(long? ConversationId);
