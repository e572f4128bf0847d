using Chat.Web.Data;
using FluentValidation;

namespace Chat.Web.Features.Push;

/// <summary>A browser's <c>PushSubscription.toJSON()</c>: { endpoint, keys: { p256dh, auth } } (expirationTime is ignored).</summary>
public sealed record SubscribeRequest(string? Endpoint, SubscriptionKeys? Keys);
public sealed record SubscriptionKeys(string? P256dh, string? Auth);
public sealed record NotificationLevelRequest(string? Level);
public sealed record PreferencesRequest(bool? ShowPreviews);

public sealed class SubscribeValidator : AbstractValidator<SubscribeRequest>
{
    public SubscribeValidator()
    {
        RuleFor(r => r.Endpoint).Cascade(CascadeMode.Stop).NotEmpty().WithMessage("endpoint is required.")
            .MaximumLength(PushLimits.MaxEndpointLength).WithMessage($"endpoint must be at most {PushLimits.MaxEndpointLength} characters.");
        RuleFor(r => r.Keys).NotNull().WithMessage("keys { p256dh, auth } are required.");
        RuleFor(r => r.Keys!.P256dh).Must(k => PushKeys.HasLength(k, 65))
            .WithMessage("keys.p256dh must be base64url of a 65-byte P-256 public key.").When(r => r.Keys is not null).OverridePropertyName("p256dh");
        RuleFor(r => r.Keys!.Auth).Must(k => PushKeys.HasLength(k, 16))
            .WithMessage("keys.auth must be base64url of a 16-byte secret.").When(r => r.Keys is not null).OverridePropertyName("auth");
    }
}

public sealed class NotificationLevelValidator : AbstractValidator<NotificationLevelRequest>
{
    public NotificationLevelValidator() =>
        RuleFor(r => r.Level).Must(l => NotificationLevels.TryParse(l, out _)).WithMessage("level must be \"all\", \"mentions\" or \"muted\".");
}

public sealed class PreferencesValidator : AbstractValidator<PreferencesRequest>
{
    public PreferencesValidator() => RuleFor(r => r.ShowPreviews).NotNull().WithMessage("showPreviews (true or false) is required.");
}

/// <summary>The API's names of <see cref="NotificationLevel"/>.</summary>
public static class NotificationLevels
{
    public static string Name(NotificationLevel level) => level switch
    {
        NotificationLevel.MentionsOnly => "mentions",
        NotificationLevel.Muted => "muted",
        _ => "all",
    };

    public static bool TryParse(string? name, out NotificationLevel level)
    {
        level = name switch { "all" => NotificationLevel.All, "mentions" => NotificationLevel.MentionsOnly, "muted" => NotificationLevel.Muted, _ => (NotificationLevel)(-1) };
        return (int)level >= 0;
    }
}
