using Chat.Web.Data;
using Chat.Web.Features.Auth;
using Htmx;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Push;

/// <summary>
/// /settings/notifications: my devices that get push (each removable), previews on or off, and this browser's
/// "Turn on notifications". The browser side (wwwroot/js/push.js, wwwroot/sw.js) subscribes through the JSON handlers
/// here (the session cookie, and the antiforgery token in the RequestVerificationToken header), as the JSON API takes bearer tokens only.
/// </summary>
public sealed class SettingsModel(PushOptions push, PushSubscriptions subscriptions, NotificationPreferences preferences, IAntiforgery antiforgery) : PageModel
{
    public const string Path = "/settings/notifications";

    public IReadOnlyList<PushSubscriptionView> Devices { get; private set; } = [];
    public bool ShowPreviews { get; private set; }
    public bool Enabled => push.Keys is not null;

    long Me => Tokens.UserId(User)!.Value;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Devices = await subscriptions.ListAsync(Me, ct);
        ShowPreviews = (await preferences.GetAsync(Me, ct)).ShowPreviews;
        return Request.IsHtmx() ? Partial("/Features/Push/_Devices.cshtml", this) : Page();
    }

    /// <summary>What a script needs to subscribe: the VAPID key and a request token (the service worker has no page to read one from).</summary>
    public IActionResult OnGetKey() => push.Keys is { } keys
        ? new JsonResult(new { publicKey = keys.PublicKey, token = antiforgery.GetAndStoreTokens(HttpContext).RequestToken })
        : NotFound();

    /// <summary>This browser's subscription, as PushSubscription.toJSON() gives it: the API's checks, the cookie's user.</summary>
    public async Task<IActionResult> OnPostSubscribeAsync([FromBody] SubscribeRequest body, [FromServices] FluentValidation.IValidator<SubscribeRequest> validator, CancellationToken ct)
    {
        if (push.Keys is null) return NotFound();
        var result = await validator.ValidateAsync(body, ct);
        if (!result.IsValid) return BadRequest(new { error = result.Errors[0].ErrorMessage });
        var (view, refusal) = await subscriptions.SubscribeAsync(Me, body, Request.Headers.UserAgent, ct);
        if (view is null) return BadRequest(new { error = refusal });
        return StatusCode(StatusCodes.Status201Created, view);
    }

    public async Task<IActionResult> OnPostRemoveAsync(long id, CancellationToken ct)
    {
        await subscriptions.RemoveAsync(Me, id, ct);
        return Request.IsHtmx() ? await OnGetAsync(ct) : Redirect(Path);
    }

    public async Task<IActionResult> OnPostPreviewsAsync(bool showPreviews, CancellationToken ct)
    {
        await preferences.SetShowPreviewsAsync(Me, showPreviews, ct);
        return Request.IsHtmx() ? await OnGetAsync(ct) : Redirect(Path);
    }

    /// <summary>A conversation's level, from the chat screen's bell menu; back where it came from (or its fragment, for htmx).</summary>
    public async Task<IActionResult> OnPostLevelAsync(long conversationId, string? level, string? returnUrl, CancellationToken ct)
    {
        if (!NotificationLevels.TryParse(level, out var parsed)) return BadRequest();
        if (!await preferences.SetLevelAsync(Me, conversationId, parsed, ct)) return NotFound();
        if (Request.IsHtmx()) return Partial("/Features/Push/_MuteControl.cshtml", new MuteControl(conversationId, parsed, returnUrl));
        return Redirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/chat");
    }
}

/// <summary>The chat header's notification level control of one conversation.</summary>
public sealed record MuteControl(long ConversationId, NotificationLevel Level, string? ReturnUrl);
