using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Security;

/// <summary>
/// Every endpoint and page × {anonymous, user, participant, group admin, site admin} → the expected status, in one table.
/// Ann (participant) has a conversation with Bob holding a secret message, and is a plain member of Cat's group, which
/// holds a secret of its own; Cat (group admin) is in no pair; Eve (user) is in nothing; the site admin is the bootstrap
/// admin, in nothing either. No answer may show a secret to anyone outside its conversation.
/// </summary>
public sealed class AuthorizationMatrixTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    const string AdminPhone = "+15550009999";
    const string AdminPassword = "bootstrap admin pw";

    enum Role { Anonymous, User, Participant, GroupAdmin, Admin }

    /// <summary>65 bytes, base64url: the size of a browser's P-256 push key.</summary>
    static readonly string PushKey = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(new byte[65]);

    // Path placeholders: {bob} = Bob's id, {bobPhone}, {group} = Cat's group, {dan} = a user Cat adds and removes,
    // {catMessage} = Cat's message in the group, {spare} = another of Cat's there (edited, hidden, deleted), {message} = Ann's message to Bob, {team} = a group Ann and Cat are plain members of (they leave it).
    // Statuses in Role order; rows run top to bottom, each role in turn, so a row may depend on the ones before.
    static readonly (string Method, string Path, bool Page, int[] Status, string? Body)[] Matrix =
    [
        ("GET", "/health", false, [200, 200, 200, 200, 200], null),
        ("GET", "/auth/verify", false, [401, 200, 200, 200, 200], null),
        ("GET", "/users", false, [401, 200, 200, 200, 200], null),
        ("GET", "/users/{bobPhone}", false, [401, 200, 200, 200, 200], null),
        ("GET", "/conversations", false, [401, 200, 200, 200, 200], null),
        ("GET", "/conversations/{bob}", false, [401, 200, 200, 200, 200], null),
        ("GET", "/conversations/{bob}/messages", false, [401, 200, 200, 200, 200], null),
        ("POST", "/conversations/{bob}/secret", false, [401, 200, 200, 200, 200], null),
        ("GET", "/conversations/{bob}/secret/messages", false, [401, 200, 200, 200, 200], null),
        ("POST", "/groups", false, [401, 201, 201, 201, 201], """{"name":"Mine","memberIds":[]}"""),
        ("GET", "/groups/{group}", false, [401, 404, 200, 200, 404], null),
        ("GET", "/groups/{group}/messages", false, [401, 404, 200, 200, 404], null),
        ("PATCH", "/groups/{group}", false, [401, 404, 403, 200, 404], """{"name":"Renamed"}"""),
        ("POST", "/groups/{group}/members", false, [401, 404, 403, 200, 404], """{"userIds":["{dan}"]}"""),
        ("POST", "/groups/{group}/members/{dan}/promote", false, [401, 404, 403, 200, 404], null),
        ("DELETE", "/groups/{group}/members/{dan}", false, [401, 404, 403, 200, 404], null),
        ("GET", "/messages/{catMessage}/info", false, [401, 404, 404, 200, 404], null),
        ("POST", "/groups/{team}/leave", false, [401, 404, 200, 200, 404], null),
        ("PUT", "/messages/{catMessage}/reaction", false, [401, 404, 200, 200, 404], """{"emoji":"👍"}"""),
        ("DELETE", "/messages/{catMessage}/reaction", false, [401, 404, 200, 200, 404], null),
        ("POST", "/messages/{catMessage}/forward", false, [401, 404, 200, 200, 404], """{"conversationIds":["{group}"]}"""),
        ("PATCH", "/messages/{spare}", false, [401, 404, 403, 200, 404], """{"ciphertext":"aGk="}"""),
        ("POST", "/messages/{spare}/hide", false, [401, 404, 200, 200, 404], null),
        ("DELETE", "/messages/{spare}", false, [401, 404, 403, 200, 404], null),
        ("GET", "/keys/devices", false, [401, 200, 200, 200, 200], null),
        ("PUT", "/keys/devices/1", false, [401, 400, 400, 400, 400], """{"identityKey":"AAAA"}"""),
        ("POST", "/keys/devices/1/one-time-pre-keys", false, [401, 404, 404, 404, 404], """{"oneTimePreKeys":[{"keyId":1,"publicKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}"""),
        ("PUT", "/keys/devices/1/signed-pre-key", false, [401, 404, 404, 404, 404], """{"keyId":1,"publicKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","signature":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}"""),
        ("DELETE", "/keys/devices/1", false, [401, 404, 404, 404, 404], null),
        ("GET", "/users/{bob}/keys", false, [401, 200, 200, 200, 200], null),
        ("GET", "/admin/users", false, [401, 403, 403, 403, 200], null),
        ("GET", "/admin/audit", false, [401, 403, 403, 403, 200], null),
        ("DELETE", "/admin/users/987654", false, [401, 403, 403, 403, 404], null),
        ("GET", "/search?q={secretWord}", false, [401, 200, 200, 200, 200], null),
        ("GET", "/search?q={groupWord}", false, [401, 200, 200, 200, 200], null),
        ("GET", "/blocks", false, [401, 200, 200, 200, 200], null),
        ("PUT", "/blocks/{dan}", false, [401, 200, 200, 200, 200], null),
        ("DELETE", "/blocks/{dan}", false, [401, 200, 200, 200, 200], null),
        ("POST", "/messages/{catOther}/report", false, [401, 404, 200, 400, 404], "{}"),
        ("GET", "/admin/reports", false, [401, 403, 403, 403, 200], null),
        ("POST", "/admin/reports/987654/resolve", false, [401, 403, 403, 403, 404], """{"action":"dismiss"}"""),
        ("GET", "/notifications/vapid-public-key", false, [401, 200, 200, 200, 200], null),
        ("GET", "/notifications/subscriptions", false, [401, 200, 200, 200, 200], null),
        // 203.0.113.0/24 is a public documentation range: the endpoint check needs no DNS. Each role takes the endpoint over in turn.
        ("POST", "/notifications/subscriptions", false, [401, 201, 201, 201, 201], "{\"endpoint\":\"https://203.0.113.7/push/1\",\"keys\":{\"p256dh\":\"" + PushKey + "\",\"auth\":\"AAAAAAAAAAAAAAAAAAAAAA\"}}"),
        ("DELETE", "/notifications/subscriptions/987654", false, [401, 404, 404, 404, 404], null),
        ("GET", "/notifications/preferences", false, [401, 200, 200, 200, 200], null),
        ("PUT", "/notifications/preferences", false, [401, 200, 200, 200, 200], """{"showPreviews":true}"""),
        ("GET", "/notifications/conversations/{group}", false, [401, 404, 200, 200, 404], null),
        ("PUT", "/notifications/conversations/{group}", false, [401, 404, 200, 200, 404], """{"level":"all"}"""),
        ("POST", "/auth/logout-all", false, [401, -1, -1, -1, -1], null), // -1: not run for signed-in roles (it would end their session)
        // {catFile}: Cat's photo sent in the group; {annFile}: Ann's PDF sent to Bob; {draft}: Cat's upload not sent yet.
        ("POST", "/media", false, [401, 415, 415, 415, 415], null),
        ("GET", "/media/{catFile}", false, [401, 404, 200, 200, 404], null),
        ("GET", "/media/{catFile}/preview", false, [401, 404, 200, 200, 404], null),
        ("GET", "/media/{annFile}", false, [401, 404, 200, 404, 404], null),
        ("GET", "/media/{draft}", false, [401, 404, 404, 200, 404], null),
        ("GET", "/media/{catFile}", true, [401, 404, 200, 200, 404], null),
        ("GET", "/media/{annFile}", true, [401, 404, 200, 404, 404], null),
        ("GET", "/media/{draft}/preview", true, [401, 404, 404, 200, 404], null),
        ("GET", "/", true, [200, 200, 200, 200, 200], null),
        ("GET", "/login", true, [200, 302, 302, 302, 302], null),
        ("GET", "/chat", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/{bob}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/groups/new", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/secret/{bob}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/secret/device/devices?userId={bob}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/secret/device/bundle?userId={bob}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/groups/{group}", true, [302, 404, 200, 200, 404], null),
        ("GET", "/chat/groups/{group}/members", true, [302, 404, 200, 200, 404], null),
        ("GET", "/chat/info/{catMessage}", true, [302, 404, 404, 200, 404], null),
        ("GET", "/chat/info/{message}", true, [302, 404, 200, 404, 404], null),
        ("GET", "/chat/messages/{catMessage}", true, [302, 404, 200, 200, 404], null),
        ("GET", "/chat/messages/{message}", true, [302, 404, 200, 404, 404], null),
        ("GET", "/chat/{bob}?at={message}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/groups/{group}?at={catMessage}", true, [302, 404, 200, 200, 404], null),
        ("GET", "/chat/search?q={secretWord}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/search?q={groupWord}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/chat/report/{catOther}", true, [302, 200, 200, 200, 200], null),
        ("GET", "/settings/notifications", true, [302, 200, 200, 200, 200], null),
        ("GET", "/settings/notifications?handler=key", true, [302, 200, 200, 200, 200], null),
        ("GET", "/admin", true, [302, 403, 403, 403, 200], null),
        ("GET", "/admin/audit-log", true, [302, 403, 403, 403, 200], null),
        ("GET", "/admin/reported-messages", true, [302, 403, 403, 403, 200], null),
    ];

    [Fact]
    public async Task Every_endpoint_and_page_answers_each_role_as_the_table_says()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Postgres, s =>
        {
            s["ADMIN_PHONE"] = AdminPhone;
            s["ADMIN_PASSWORD"] = AdminPassword;
        });
        var ann = await host.RegisterAsync("Ann");
        var bob = await host.RegisterAsync("Bob");
        var eve = await host.RegisterAsync("Eve");
        var cat = await host.RegisterAsync("Cat");
        var dan = await host.RegisterAsync("Dan");
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        string message;
        await using (var socket = await SocketClient.ConnectAsync(host, ann)) message = (await socket.SendAndAckAsync(bob.Id, "m1", secret)).Message().Str("id")!;
        var secretCipher = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret));
        var groupSecret = "group-secret-" + Guid.NewGuid().ToString("N");
        var group = await Groups.GroupApi.CreateAsync(host, cat, "Cat's", ann);
        var team = await Groups.GroupApi.CreateAsync(host, bob, "Team", ann, cat);
        string catMessage, spare, catOther;
        await using (var socket = await SocketClient.ConnectAsync(host, cat))
        {
            catMessage = (await socket.SendAndAckAsync(null, "g1", groupSecret, conversationId: group)).Message().Str("id")!;
            spare = (await socket.SendAndAckAsync(null, "g2", "to edit and delete", conversationId: group)).Message().Str("id")!;
            catOther = (await socket.SendAndAckAsync(null, "g3", "a message to report", conversationId: group)).Message().Str("id")!;
        }
        var groupCipher = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(groupSecret));
        var catFile = await Media.MediaUpload.SendAsync(host, cat, null, group, "photo.jpg", Media.TestMedia.Jpeg(64, 48));
        var annFile = await Media.MediaUpload.SendAsync(host, ann, bob.Id, null, "notes.pdf", Media.TestMedia.Pdf);
        var draft = await Media.MediaUpload.UploadAsync(host, cat, "draft.jpg", Media.TestMedia.Jpeg(64, 48));

        var adminToken = await LoginTokenAsync(host, AdminPhone, AdminPassword);
        var tokens = new Dictionary<Role, string?>
        {
            [Role.Anonymous] = null, [Role.User] = eve.Token, [Role.Participant] = ann.Token, [Role.GroupAdmin] = cat.Token, [Role.Admin] = adminToken,
        };
        var pages = new Dictionary<Role, HttpClient>();
        foreach (var role in Enum.GetValues<Role>())
            pages[role] = await PageClientAsync(host, role switch
            {
                Role.User => (eve.Phone, eve.Password),
                Role.Participant => (ann.Phone, ann.Password),
                Role.GroupAdmin => (cat.Phone, cat.Password),
                Role.Admin => (AdminPhone, AdminPassword),
                _ => null,
            });

        var failures = new List<string>();
        string Fill(string raw) => raw.Replace("{bobPhone}", Uri.EscapeDataString(bob.Phone)).Replace("{bob}", bob.Id).Replace("{group}", group)
            .Replace("{dan}", dan.Id).Replace("{catMessage}", catMessage).Replace("{spare}", spare).Replace("{message}", message).Replace("{team}", team)
            .Replace("{catFile}", catFile).Replace("{annFile}", annFile).Replace("{draft}", draft)
            .Replace("{catOther}", catOther).Replace("{secretWord}", secret["secret-".Length..]).Replace("{groupWord}", groupSecret["group-secret-".Length..]);
        foreach (var (method, rawPath, page, expected, rawBody) in Matrix)
        {
            var path = Fill(rawPath);
            foreach (var role in Enum.GetValues<Role>())
            {
                var want = expected[(int)role];
                if (want < 0) continue;
                var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (rawBody is not null) request.Content = new StringContent(Fill(rawBody), System.Text.Encoding.UTF8, "application/json");
                HttpClient client;
                if (page) client = pages[role];
                else
                {
                    client = host.Client();
                    if (tokens[role] is { } t) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t);
                }
                var response = await client.SendAsync(request, Ct);
                // A signed-in person without the role is sent to /forbidden, which answers 403.
                if (page && response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } to && new Uri(host.Address, to).AbsolutePath == "/forbidden")
                    response = await client.GetAsync(new Uri(host.Address, to), Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                if ((int)response.StatusCode != want) failures.Add($"{method} {rawPath} as {role}: {(int)response.StatusCode}, expected {want}");
                var seesSecret = body.Contains(secret) || body.Contains(secretCipher);
                if (seesSecret && role != Role.Participant) failures.Add($"{method} {rawPath} as {role}: shows Ann and Bob's message");
                if ((body.Contains(groupSecret) || body.Contains(groupCipher)) && role is not (Role.Participant or Role.GroupAdmin))
                    failures.Add($"{method} {rawPath} as {role}: shows the group's message");
                if (!page) client.Dispose();
            }
        }
        // The participant does see the message where it belongs, so the secret check above can fail.
        using (var annClient = host.Client(ann.Token))
            Assert.Contains(secretCipher, await annClient.GetStringAsync($"/conversations/{bob.Id}/messages", Ct));
        Assert.Contains(secret, await pages[Role.Participant].GetStringAsync($"/chat/{bob.Id}", Ct));
        using (var annClient = host.Client(ann.Token))
            Assert.Contains(groupCipher, await annClient.GetStringAsync($"/groups/{group}/messages", Ct));
        // And search finds it for her alone, so the search rows above are checked against a real hit.
        using (var annClient = host.Client(ann.Token))
            Assert.Contains(message, await annClient.GetStringAsync($"/search?q={secret["secret-".Length..]}", Ct));

        // The socket: anonymous is closed with 4401, every signed-in role gets "ready".
        await using (var anonymousSocket = await SocketClient.OpenAsync(host.Address, null)) 
            if (await anonymousSocket.ClosedAsync() != (WebSocketCloseStatus)4401) failures.Add("/ws as Anonymous: not closed with 4401");
        foreach (var role in new[] { Role.User, Role.Participant, Role.GroupAdmin, Role.Admin })
            await using (var s = await SocketClient.ConnectAsync(host.Address, tokens[role]!)) { }

        foreach (var c in pages.Values) c.Dispose();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    static async Task<string> LoginTokenAsync(ChatHost host, string phone, string password)
    {
        using var client = host.Client();
        var response = await client.PostAsync("/auth/login", System.Net.Http.Json.JsonContent.Create(new { phone, password }), Ct);
        response.EnsureSuccessStatusCode();
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<AuthBody>(response.Content, Ct))!.Token;
    }

    /// <summary>A cookie-jar client, signed in through the login page when credentials are given.</summary>
    static async Task<HttpClient> PageClientAsync(ChatHost host, (string Phone, string Password)? credentials)
    {
        var http = PageClient.Create(host);
        if (credentials is { } c) Assert.Equal(HttpStatusCode.Redirect, (await http.PostLoginAsync(c.Phone, c.Password)).StatusCode);
        return http;
    }
}
