using Chat.Web.Features.Auth;
using Chat.Web.Features.Keys;
using Chat.Web.Infrastructure;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Secret;

/// <summary>
/// The key directory for this browser's secret.js, with the session cookie and the antiforgery token (the JSON API
/// takes bearer tokens only): the same <see cref="KeyDirectory"/> and validators as <c>/keys/devices</c> and
/// <c>/users/{id}/keys</c>. Answers are JSON; a refusal is 400/404/409 with <c>{"error": …}</c>.
/// </summary>
public sealed class DeviceModel(KeyDirectory keys, Throttle throttle, ThrottlePolicies limits) : PageModel
{
    long Me => Tokens.UserId(User)!.Value;

    /// <summary>This browser's whole bundle (a new device, or a reset one): PUT /keys/devices/{deviceId}'s body.</summary>
    public async Task<IActionResult> OnPostAsync([FromBody] DeviceBundleUpload? body, [FromServices] IValidator<DeviceBundleUpload> validator, CancellationToken ct)
    {
        if (body is null || !KeysApi.TryDevice(body.DeviceId?.ToString(), out var device)) return Error(400, "deviceId must be a number from 1 to 2147483647.");
        var result = await validator.ValidateAsync(body, ct);
        if (!result.IsValid) return Error(400, result.Errors[0].ErrorMessage);
        return await keys.UploadAsync(Me, device, body, ct) is { } status ? new JsonResult(status)
            : Error(409, $"A user has at most {KeyRules.MaxDevices} devices: delete one first.");
    }

    /// <summary>More one-time pre-keys for this browser's device, when its count runs low.</summary>
    public async Task<IActionResult> OnPostOneTimeAsync(int deviceId, [FromBody] OneTimePreKeysUpload? body, [FromServices] IValidator<OneTimePreKeysUpload> validator,
        CancellationToken ct)
    {
        if (body is null || !(await validator.ValidateAsync(body, ct)).IsValid) return Error(400, "oneTimePreKeys: 1 to 100 keys, each a keyId and base64 of 32 bytes.");
        return await keys.AddOneTimeAsync(Me, deviceId, body.OneTimePreKeys!, ct) switch
        {
            KeyDirectory.AddResult.Added => new JsonResult(await keys.StatusAsync(Me, deviceId, ct)),
            KeyDirectory.AddResult.NoSuchDevice => Error(404, "No such device."),
            _ => Error(409, "Too many one-time pre-keys, or one of these ids is uploaded already."),
        };
    }

    /// <summary>A peer's bundles for X3DH, each with a one-time pre-key taken for this fetch (as GET /users/{id}/keys).</summary>
    public async Task<IActionResult> OnGetBundleAsync(long userId, CancellationToken ct)
    {
        // The same per-user allowance as the API's: fetching drains a peer's one-time pre-keys.
        if (!(await throttle.HitAsync(limits.KeyFetchesPerUser, Me.ToString())).Allowed) return Error(429, "Too many key fetches; try again in a minute.");
        return userId != Me && await keys.FetchAsync(userId, ct) is { } bundles ? new JsonResult(bundles) : Error(404, "No such user.");
    }

    /// <summary>A user's devices and identity keys (nothing consumed): what the page checks its saved peer key against.</summary>
    public async Task<IActionResult> OnGetDevicesAsync(long userId, CancellationToken ct) => new JsonResult(await keys.ListAsync(userId, ct));

    static JsonResult Error(int status, string message) => new(new { error = message }) { StatusCode = status };
}
