using System.Diagnostics;
using Chat.Web.Data;

namespace Chat.Web.Features.Messaging;

/// <summary>A message queued for <see cref="MessageWriter"/>; <see cref="Stored"/> completes after its batch's commit.</summary>
public sealed class PendingSend(Message message, string? origin, QuoteView? quote = null)
{
    readonly TaskCompletionSource<StoreOutcome> done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Message Message => message;
    public string? Origin => origin;
    /// <summary>The replied-to message as the reply quotes it (checked when the send was admitted).</summary>
    public QuoteView? Quote => quote;
    public Task<StoreOutcome> Stored => done.Task;
    /// <summary>The send's span ("chat.send"), for the spans of its storing, publishing and delivery.</summary>
    public ActivityContext Trace { get; } = Activity.Current?.Context ?? default;
    internal (long, string) ClientKey => (message.SenderId, message.ClientMessageId);

    internal void Complete(StoreOutcome outcome) => done.TrySetResult(outcome);
    internal void Fail(Exception e) => done.TrySetException(e);
}
