using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Security;

/// <summary>
/// Every endpoint and page × {anonymous, user, participant, admin} → the expected status, in one table.
/// Ann (participant) has a conversation with Bob holding a secret message; Eve (user) is another user;
/// the admin is the bootstrap admin. A "secret" column marks answers that only a participant may see it in.
/// Ann is also the admin of a group with Bob ({group}); {message} is her message to Bob.
/// </summary>
public sealed class AuthorizationMatrixTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    const string AdminPhone = "+15550009999";
    const string AdminPassword = "bootstrap admin pw";

    enum Role { Anonymous, User, Participant, Admin }

    // path placeholders: {bob} = Bob's id, {bobPhone}; statuses in Role order.
    static readonly (string Method, string Path, bool Page, int[] Status)[] Matrix =
    [
        ("GET", "/health", false, [200, 200, 200, 200]),
        ("GET", "/auth/verify", false, [401, 200, 200, 200]),
        ("GET", "/users", false, [401, 200, 200, 200]),
        ("GET", "/users/{bobPhone}", false, [401, 200, 200, 200]),
        ("GET", "/conversations/{bob}", false, [401, 200, 200, 200]),
        ("GET", "/conversations/{bob}/messages", false, [401, 200, 200, 200]),
        ("GET", "/admin/users", false, [401, 403, 403, 200]),
        ("GET", "/admin/audit", false, [401, 403, 403, 200]),
        ("DELETE", "/admin/users/987654", false, [401, 403, 403, 404]),
        ("POST", "/auth/logout-all", false, [401, -1, -1, -1]), // -1: not run for signed-in roles (it would end their session)
        ("GET", "/", true, [200, 200, 200, 200]),
        ("GET", "/login", true, [200, 302, 302, 302]),
        ("GET", "/chat", true, [302, 200, 200, 200]),
        ("GET", "/chat/{bob}", true, [302, 200, 200, 200]),
        ("GET", "/chat/groups/new", true, [302, 200, 200, 200]),
        ("GET", "/chat/groups/{group}", true, [302, 404, 200, 404]),
        ("GET", "/chat/groups/{group}/members", true, [302, 404, 200, 404]),
        ("GET", "/chat/info/{message}", true, [302, 404, 200, 404]),
        ("GET", "/admin", true, [302, 403, 403, 200]),
        ("GET", "/admin/audit-log", true, [302, 403, 403, 200]),
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
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        string message;
        await using (var socket = await SocketClient.ConnectAsync(host, ann)) message = (await socket.SendAndAckAsync(bob.Id, "m1", secret)).Message().Str("id")!;
        var group = await Chat.Tests.Groups.GroupApi.CreateAsync(host, ann, "Ann and Bob", bob);
        var secretCipher = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret));

        var adminToken = await LoginTokenAsync(host, AdminPhone, AdminPassword);
        var tokens = new Dictionary<Role, string?> { [Role.Anonymous] = null, [Role.User] = eve.Token, [Role.Participant] = ann.Token, [Role.Admin] = adminToken };
        var pages = new Dictionary<Role, HttpClient>();
        foreach (var role in Enum.GetValues<Role>())
            pages[role] = await PageClientAsync(host, role switch
            {
                Role.User => (eve.Phone, eve.Password),
                Role.Participant => (ann.Phone, ann.Password),
                Role.Admin => (AdminPhone, AdminPassword),
                _ => null,
            });

        var failures = new List<string>();
        foreach (var (method, rawPath, page, expected) in Matrix)
        {
            var path = rawPath.Replace("{bob}", bob.Id).Replace("{bobPhone}", Uri.EscapeDataString(bob.Phone))
                .Replace("{group}", group).Replace("{message}", message);
            foreach (var role in Enum.GetValues<Role>())
            {
                var want = expected[(int)role];
                if (want < 0) continue;
                var request = new HttpRequestMessage(new HttpMethod(method), path);
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
                if (!page) client.Dispose();
            }
        }
        // The participant does see the message where it belongs, so the secret check above can fail.
        using (var annClient = host.Client(ann.Token))
            Assert.Contains(secretCipher, await annClient.GetStringAsync($"/conversations/{bob.Id}/messages", Ct));
        Assert.Contains(secret, await pages[Role.Participant].GetStringAsync($"/chat/{bob.Id}", Ct));

        // The socket: anonymous is closed with 4401, every signed-in role gets "ready".
        await using (var anonymousSocket = await SocketClient.OpenAsync(host.Address, null)) 
            if (await anonymousSocket.ClosedAsync() != (WebSocketCloseStatus)4401) failures.Add("/ws as Anonymous: not closed with 4401");
        foreach (var role in new[] { Role.User, Role.Participant, Role.Admin })
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
