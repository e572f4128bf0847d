namespace Chat.Web.Features.Realtime;

// The JSON socket's own frames, beside the events: "type" comes first on the wire.

public sealed record ReadyFrame
{
    public string Type => "ready";
}

/// <summary>The end of a sync, with the last seq of each conversation as of the sync.</summary>
public sealed record SyncCompleteFrame(Dictionary<long, long> Conversations, int Sent)
{
    public string Type => "sync-complete";
}
