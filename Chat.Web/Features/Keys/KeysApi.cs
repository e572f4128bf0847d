using Chat.Web.Features.Auth;
using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Keys;

/// <summary>
/// The key directory's JSON API (docs/api.md, "Keys"): my devices' bundles under <c>/keys/devices</c>, a peer's under
/// <c>/users/{id}/keys</c>. A device id is the client's own choice, 1 to 2147483647, unique among its user's devices.
/// </summary>
public static class KeysApi
{
    public static void MapKeysApi(this IEndpointRouteBuilder app)
    {
        var mine = app.MapGroup("/keys/devices").WithTags("Keys").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.ApiPerUser, perUser: true);
        mine.MapGet("/", List).Answers<IReadOnlyList<DeviceKeysView>>(200, 401);
        mine.MapPut("/{deviceId}", Upload).Validate<DeviceBundleUpload>().Answers<DeviceKeysView>(200, 400, 401, 409);
        mine.MapPost("/{deviceId}/one-time-pre-keys", AddOneTime).Validate<OneTimePreKeysUpload>().Answers<DeviceKeysView>(200, 400, 401, 404, 409);
        mine.MapPut("/{deviceId}/signed-pre-key", Rotate).Validate<SignedPreKeyUpload>().Answers<DeviceKeysView>(200, 400, 401, 404);
        mine.MapDelete("/{deviceId}", Delete).Answers<OkResponse>(200, 401, 404);

        app.MapGet("/users/{id}/keys", Fetch).WithTags("Keys").RequireAuthorization(AuthSetup.ApiPolicy)
            .Throttled(p => p.KeyFetchesPerUser, perUser: true).Answers<UserBundlesView>(200, 401, 404, 429);
    }

    static async Task<IResult> List(CurrentUser me, KeyDirectory keys, CancellationToken ct) => TypedResults.Ok(await keys.ListAsync(me.Id, ct));

    static async Task<IResult> Upload(string deviceId, DeviceBundleUpload body, CurrentUser me, KeyDirectory keys, CancellationToken ct)
    {
        if (!TryDevice(deviceId, out var device)) return BadDevice();
        return await keys.UploadAsync(me.Id, device, body, ct) is { } status
            ? TypedResults.Ok(status)
            : ApiErrors.Result(409, $"A user has at most {KeyRules.MaxDevices} devices: delete one first.");
    }

    static async Task<IResult> AddOneTime(string deviceId, OneTimePreKeysUpload body, CurrentUser me, KeyDirectory keys, CancellationToken ct)
    {
        if (!TryDevice(deviceId, out var device)) return NoSuchDevice();
        return await keys.AddOneTimeAsync(me.Id, device, body.OneTimePreKeys!, ct) switch
        {
            KeyDirectory.AddResult.NoSuchDevice => NoSuchDevice(),
            KeyDirectory.AddResult.TooMany => ApiErrors.BadRequest($"A device holds at most {KeyRules.MaxOneTimePerDevice} one-time pre-keys."),
            KeyDirectory.AddResult.Duplicate => ApiErrors.Result(409, "A one-time pre-key with one of these ids is already uploaded."),
            _ => TypedResults.Ok((await keys.StatusAsync(me.Id, device, ct))!),
        };
    }

    static async Task<IResult> Rotate(string deviceId, SignedPreKeyUpload body, CurrentUser me, KeyDirectory keys, CancellationToken ct)
    {
        if (!TryDevice(deviceId, out var device)) return NoSuchDevice();
        return await keys.RotateSignedAsync(me.Id, device, body, ct) switch
        {
            null => NoSuchDevice(),
            false => ApiErrors.BadRequest("signature must be the device identity key's Ed25519 signature of publicKey."),
            true => TypedResults.Ok((await keys.StatusAsync(me.Id, device, ct))!),
        };
    }

    static async Task<IResult> Delete(string deviceId, CurrentUser me, KeyDirectory keys, CancellationToken ct) =>
        TryDevice(deviceId, out var device) && await keys.DeleteAsync(me.Id, device, ct) ? TypedResults.Ok(new OkResponse(true)) : NoSuchDevice();

    static async Task<IResult> Fetch(string id, KeyDirectory keys, CancellationToken ct) =>
        Ids.TryParse(id, out var userId) && await keys.FetchAsync(userId, ct) is { } bundles ? TypedResults.Ok(bundles) : ApiErrors.NotFound("No such user.");

    public static bool TryDevice(string? s, out int device) => int.TryParse(s, System.Globalization.NumberStyles.None, null, out device) && device > 0;

    static IResult BadDevice() => ApiErrors.BadRequest("deviceId must be a number from 1 to 2147483647.");
    static IResult NoSuchDevice() => ApiErrors.NotFound("No such device.");
}
