using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Keys;

/// <summary>The key directory over the JSON API, on each provider: upload, fetch (consuming), replenish, rotate, and what is refused.</summary>
public abstract class KeyDirectoryTests(AppFixture app)
{
    readonly ChatHost host = app.Host;
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bundle_uploaded_by_a_device_is_fetched_by_a_peer_one_one_time_pre_key_at_a_time_until_none_is_left()
    {
        var (ann, bob) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Bob"));
        var device = new DeviceKeys(7);
        using var annApi = host.Client(ann.Token);
        using var bobApi = host.Client(bob.Token);
        var status = await ApiAssert.OkAsync(await annApi.PutAsJsonAsync("/keys/devices/7", device.Bundle(oneTime: 2), Ct));
        Assert.Equal((7, 2, 1), (status.GetProperty("deviceId").GetInt32(), status.GetProperty("oneTimePreKeys").GetInt32(), status.GetProperty("signedPreKeyId").GetInt32()));

        var first = (await bobApi.GetOkAsync($"/users/{ann.Id}/keys")).GetProperty("devices").EnumerateArray().Single();
        Assert.Equal(device.IdentityKey, first.Str("identityKey"));
        Assert.Equal(device.IdentityDhKey, first.Str("identityDhKey"));
        Assert.Equal(device.Sign(device.IdentityDhKey), first.Str("identityDhSignature")); // Ed25519 is deterministic
        Assert.Equal(1, first.GetProperty("oneTimePreKey").GetProperty("keyId").GetInt32());
        var second = (await bobApi.GetOkAsync($"/users/{ann.Id}/keys")).GetProperty("devices")[0];
        Assert.Equal(2, second.GetProperty("oneTimePreKey").GetProperty("keyId").GetInt32());
        var third = (await bobApi.GetOkAsync($"/users/{ann.Id}/keys")).GetProperty("devices")[0];
        Assert.Equal(JsonValueKind.Null, third.GetProperty("oneTimePreKey").ValueKind); // the signed pre-key alone: X3DH without DH4
        Assert.Equal(0, (await annApi.GetOkAsync("/keys/devices"))[0].GetProperty("oneTimePreKeys").GetInt32());

        // Replenished, and rotated: the next fetch gets the new ones.
        await ApiAssert.OkAsync(await annApi.PostAsJsonAsync("/keys/devices/7/one-time-pre-keys", new { oneTimePreKeys = DeviceKeys.OneTime(10, 5) }, Ct));
        await ApiAssert.OkAsync(await annApi.PutAsJsonAsync("/keys/devices/7/signed-pre-key", device.SignedPreKey(2), Ct));
        var fresh = (await bobApi.GetOkAsync($"/users/{ann.Id}/keys")).GetProperty("devices")[0];
        Assert.Equal((10, 2), (fresh.GetProperty("oneTimePreKey").GetProperty("keyId").GetInt32(), fresh.GetProperty("signedPreKey").GetProperty("keyId").GetInt32()));
        Assert.Equal(4, (await annApi.GetOkAsync("/keys/devices"))[0].GetProperty("oneTimePreKeys").GetInt32());

        // A user with no devices has none; an unknown user is 404.
        Assert.Empty((await annApi.GetOkAsync($"/users/{bob.Id}/keys")).GetProperty("devices").EnumerateArray());
        await annApi.GetErrorAsync("/users/987654321/keys", HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await annApi.DeleteAsync("/keys/devices/7", Ct)).StatusCode);
        Assert.Empty((await bobApi.GetOkAsync($"/users/{ann.Id}/keys")).GetProperty("devices").EnumerateArray());
    }

    [Fact]
    public async Task Concurrent_fetchers_never_get_the_same_one_time_pre_key()
    {
        var ann = await host.RegisterAsync("Ann");
        var fetchers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => host.RegisterAsync($"Fetcher {i}")));
        using var annApi = host.Client(ann.Token);
        await ApiAssert.OkAsync(await annApi.PutAsJsonAsync("/keys/devices/1", new DeviceKeys(1).Bundle(oneTime: 30), Ct));
        var clients = fetchers.Select(f => host.Client(f.Token)).ToList();
        var taken = await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 4).Select(async _ =>
            (await c.GetOkAsync($"/users/{ann.Id}/keys")).GetProperty("devices")[0].GetProperty("oneTimePreKey").GetProperty("keyId").GetInt32())));
        Assert.Equal(24, taken.Distinct().Count());
        Assert.Equal(6, (await annApi.GetOkAsync("/keys/devices"))[0].GetProperty("oneTimePreKeys").GetInt32());
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Registration_with_a_bundle_stores_the_first_device_and_a_placeholder_stores_none()
    {
        var device = new DeviceKeys(3);
        using var client = host.Client();
        var body = JsonSerializer.SerializeToNode(ChatHost.RegisterBody(ChatHost.NewPhone(), "Cat"))!.AsObject();
        body["identityKey"] = device.IdentityKey;
        var bundle = device.Bundle();
        bundle.Remove("identityKey");
        body["preKeys"] = JsonSerializer.SerializeToNode(bundle);
        var cat = await ApiAssert.OkAsync(await client.PostJsonAsync("/auth/register", body));
        var catId = cat.GetProperty("user").Str("id");
        var bob = await host.RegisterAsync("Bob");
        using var bobApi = host.Client(bob.Token);
        var devices = (await bobApi.GetOkAsync($"/users/{catId}/keys")).GetProperty("devices");
        Assert.Equal((3, device.IdentityKey), (devices[0].GetProperty("deviceId").GetInt32(), devices[0].Str("identityKey")));
        // The directory lookup by phone hands out no pre-keys (they are consumed only through /users/{id}/keys).
        Assert.Equal(JsonValueKind.Null, (await bobApi.GetOkAsync("/users/" + Uri.EscapeDataString(body["phone"]!.GetValue<string>()))).GetProperty("preKeys").ValueKind);

        var placeholder = JsonSerializer.SerializeToNode(ChatHost.RegisterBody(ChatHost.NewPhone(), "Dan"))!.AsObject();
        placeholder["preKeys"] = new System.Text.Json.Nodes.JsonObject();
        var dan = await ApiAssert.OkAsync(await client.PostJsonAsync("/auth/register", placeholder));
        Assert.Empty((await bobApi.GetOkAsync($"/users/{dan.GetProperty("user").Str("id")}/keys")).GetProperty("devices").EnumerateArray());
    }

    public static TheoryData<string, string> BadBundles => new()
    {
        { "identity key of 31 bytes", "identityKey" },
        { "identity key not base64", "identityKey" },
        { "DH key signature by another key", "identityDhSignature" },
        { "signed pre-key signature of another key", "signedPreKey" },
        { "signed pre-key missing", "signedPreKey" },
        { "one-time key of 33 bytes", "oneTimePreKeys" },
        { "one-time key ids repeated", "oneTimePreKeys" },
        { "101 one-time keys", "oneTimePreKeys" },
        { "negative key id", "oneTimePreKeys" },
    };

    [Theory]
    [MemberData(nameof(BadBundles))]
    public async Task A_malformed_or_unsigned_bundle_is_refused_with_400_naming_the_field_and_nothing_is_stored(string bad, string field)
    {
        var ann = await host.RegisterAsync("Ann");
        using var api = host.Client(ann.Token);
        var device = new DeviceKeys(5);
        var bundle = device.Bundle();
        var other = new DeviceKeys(6);
        switch (bad)
        {
            case "identity key of 31 bytes": bundle["identityKey"] = Convert.ToBase64String(new byte[31]); break;
            case "identity key not base64": bundle["identityKey"] = "not base64 at all!"; break;
            case "DH key signature by another key": bundle["identityDhSignature"] = other.Sign(device.IdentityDhKey); break;
            case "signed pre-key signature of another key": bundle["signedPreKey"] = other.SignedPreKey(1); break;
            case "signed pre-key missing": bundle.Remove("signedPreKey"); break;
            case "one-time key of 33 bytes": bundle["oneTimePreKeys"] = new[] { new { keyId = 1, publicKey = Convert.ToBase64String(new byte[33]) } }; break;
            case "one-time key ids repeated": bundle["oneTimePreKeys"] = new[] { new { keyId = 1, publicKey = DeviceKeys.Key() }, new { keyId = 1, publicKey = DeviceKeys.Key() } }; break;
            case "101 one-time keys": bundle["oneTimePreKeys"] = DeviceKeys.OneTime(1, 101); break;
            case "negative key id": bundle["oneTimePreKeys"] = new[] { new { keyId = -1, publicKey = DeviceKeys.Key() } }; break;
        }
        var error = await ApiAssert.ErrorAsync(await api.PutAsJsonAsync("/keys/devices/5", bundle, Ct), HttpStatusCode.BadRequest);
        Assert.Contains(error.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith(field, StringComparison.OrdinalIgnoreCase));
        Assert.Empty((await api.GetOkAsync("/keys/devices")).EnumerateArray());
    }

    [Fact]
    public async Task Other_bad_requests_get_a_clear_4xx_and_change_nothing()
    {
        var ann = await host.RegisterAsync("Ann");
        using var api = host.Client(ann.Token);
        var device = new DeviceKeys(9);
        await ApiAssert.OkAsync(await api.PutAsJsonAsync("/keys/devices/9", device.Bundle(oneTime: 2), Ct));
        await ApiAssert.ErrorAsync(await api.PutAsJsonAsync("/keys/devices/0", device.Bundle(), Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await api.PutAsJsonAsync("/keys/devices/abc", device.Bundle(), Ct), HttpStatusCode.BadRequest);
        // A rotation signed by another identity, a replenishment of an unknown device, or with ids already held.
        await ApiAssert.ErrorAsync(await api.PutAsJsonAsync("/keys/devices/9/signed-pre-key", new DeviceKeys(1).SignedPreKey(2), Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await api.PutAsJsonAsync("/keys/devices/8/signed-pre-key", device.SignedPreKey(2), Ct), HttpStatusCode.NotFound);
        await ApiAssert.ErrorAsync(await api.PostAsJsonAsync("/keys/devices/8/one-time-pre-keys", new { oneTimePreKeys = DeviceKeys.OneTime(50, 1) }, Ct), HttpStatusCode.NotFound);
        await ApiAssert.ErrorAsync(await api.PostAsJsonAsync("/keys/devices/9/one-time-pre-keys", new { oneTimePreKeys = DeviceKeys.OneTime(2, 1) }, Ct), HttpStatusCode.Conflict);
        await ApiAssert.ErrorAsync(await api.PostAsJsonAsync("/keys/devices/9/one-time-pre-keys", new { oneTimePreKeys = Array.Empty<object>() }, Ct), HttpStatusCode.BadRequest);
        for (var i = 0; i < 2; i++) // 2 held + 2 × 99 = 200, the most a device holds; one more is refused
            await ApiAssert.OkAsync(await api.PostAsJsonAsync("/keys/devices/9/one-time-pre-keys", new { oneTimePreKeys = DeviceKeys.OneTime(100 + i * 100, 99) }, Ct));
        await ApiAssert.ErrorAsync(await api.PostAsJsonAsync("/keys/devices/9/one-time-pre-keys", new { oneTimePreKeys = DeviceKeys.OneTime(900, 1) }, Ct), HttpStatusCode.BadRequest);
        await ApiAssert.ErrorAsync(await api.PutAsync("/keys/devices/9", new StringContent("{\"identityKey\": 5}", System.Text.Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest);
        var held = (await api.GetOkAsync("/keys/devices"))[0];
        Assert.Equal((200, 1), (held.GetProperty("oneTimePreKeys").GetInt32(), held.GetProperty("signedPreKeyId").GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/keys/devices/8", Ct)).StatusCode);
    }

    [Fact]
    public async Task Uploads_of_one_user_at_once_take_turns_and_past_ten_devices_get_409()
    {
        var ann = await host.RegisterAsync("Ann");
        using var api = host.Client(ann.Token);
        // Four uploads of device 1 and one each of devices 5 to 15, all at once: twelve devices asked for, ten kept.
        var answers = await Task.WhenAll(Enumerable.Range(1, 15).Select(i =>
            api.PutAsJsonAsync($"/keys/devices/{(i <= 4 ? 1 : i)}", new DeviceKeys(i).Bundle(), Ct)));
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.InRange(answers.Count(a => a.StatusCode == HttpStatusCode.Conflict), 2, 5);
        Assert.Equal(10, (await api.GetOkAsync("/keys/devices")).GetArrayLength());
    }

    [Fact]
    public async Task Fetching_bundles_is_limited_per_user()
    {
        var (ann, eve) = (await host.RegisterAsync("Ann"), await host.RegisterAsync("Eve"));
        using var eveApi = host.Client(eve.Token);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 31; i++) statuses.Add((await eveApi.GetAsync($"/users/{ann.Id}/keys", Ct)).StatusCode);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 30).Append(HttpStatusCode.TooManyRequests), statuses);
    }
}

public sealed class PostgresKeyDirectoryTests(PostgresApp app) : KeyDirectoryTests(app), IClassFixture<PostgresApp>;

public sealed class SqliteKeyDirectoryTests(SqliteApp app) : KeyDirectoryTests(app), IClassFixture<SqliteApp>;
