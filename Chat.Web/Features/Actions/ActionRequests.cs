using Chat.Web.Features.Messaging;
using Chat.Web.Infrastructure;
using FluentValidation;

namespace Chat.Web.Features.Actions;

public sealed record EditMessageRequest(string? Ciphertext);
public sealed record ReactionRequest(string? Emoji);
public sealed record ForwardRequest(string[]? ConversationIds, string? ClientMessageId);
public sealed record ForwardResponse(IReadOnlyList<MessageView> Messages);

public sealed class EditMessageValidator : AbstractValidator<EditMessageRequest>
{
    public EditMessageValidator() => RuleFor(r => r.Ciphertext).Cascade(CascadeMode.Stop)
        .NotEmpty().WithMessage("ciphertext (base64) is required.")
        .Must(c => Decode(c) is { Length: > 0 and <= MessageSender.MaxCiphertextBytes })
        .WithMessage($"ciphertext must be base64 of 1 to {MessageSender.MaxCiphertextBytes} bytes.");

    public static byte[]? Decode(string? base64)
    {
        try
        {
            return base64 is null ? null : Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed class ReactionValidator : AbstractValidator<ReactionRequest>
{
    public ReactionValidator() => RuleFor(r => r.Emoji).Must(Emoji.IsOne).WithMessage("emoji must be a single emoji.");
}

public sealed class ForwardValidator : AbstractValidator<ForwardRequest>
{
    public ForwardValidator()
    {
        RuleFor(r => r.ConversationIds).Cascade(CascadeMode.Stop).NotNull().WithMessage("conversationIds is required.")
            .Must(ids => ids!.Length is > 0 and <= MessageActionSettings.MaxForwardTargets)
            .WithMessage($"conversationIds must list 1 to {MessageActionSettings.MaxForwardTargets} conversations.")
            .Must(ids => ids!.All(id => Ids.TryParse(id, out _))).WithMessage("every conversation id must be an id.");
        RuleFor(r => r.ClientMessageId).MaximumLength(80).WithMessage("clientMessageId must be at most 80 characters.");
    }
}
