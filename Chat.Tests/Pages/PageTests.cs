using System.Net;
using System.Text.RegularExpressions;
using Chat.Tests.Browser;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Pages;

/// <summary>Page behaviour that needs no browser: plain HTTP with a cookie jar, on SQLite.</summary>
public sealed partial class PageTests(SqliteApp app)  : IClassFixture<SqliteApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    sealed class Browserless : IDisposable
    {
        public readonly HttpClient Http;
        public readonly HttpMessageHandler Handler;
        public Browserless(ChatHost host)
        {
            Handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
            Http = new HttpClient(Handler) { BaseAddress = host.Address };
            Http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        }

        public async Task<string> TokenAsync(string path)
        {
            var html = await GetStringAsync(path);
            return AntiforgeryField().Match(html).Groups[1].Value;
        }

        public Task<HttpResponseMessage> PostAsync(string path, params (string, string)[] fields) =>
            Http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2))), TestContext.Current.CancellationToken);

        public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path, TestContext.Current.CancellationToken);
        public Task<HttpResponseMessage> GetAsync(Uri? path) => Http.GetAsync(path, TestContext.Current.CancellationToken);
        public Task<string> GetStringAsync(string path) => Http.GetStringAsync(path, TestContext.Current.CancellationToken);

        public async Task LogInAsync(TestUser user)
        {
            var token = await TokenAsync("/login");
            var response = await PostAsync("/login", ("__RequestVerificationToken", token), ("Phone", user.Phone), ("Password", user.Password));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }

        public void Dispose() => Http.Dispose();
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        using var client = new Browserless(app.Host);
        var response = await client.PostAsync("/register", ("Phone", ChatHost.NewPhone()), ("DisplayName", "No Token"), ("Password", "long enough 1"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Registration_errors_come_back_inline_as_422_and_htmx_gets_only_the_form()
    {
        using var client = new Browserless(app.Host);
        var token = await client.TokenAsync("/register");
        var fields = new[] { ("__RequestVerificationToken", token), ("Phone", "not a phone"), ("DisplayName", ""), ("Password", "x") };
        var page = await client.PostAsync("/register", fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<html", html);
        Assert.Contains("Phone must be an international number", html);

        client.Http.DefaultRequestHeaders.Add("HX-Request", "true");
        var fragment = await client.PostAsync("/register", fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, fragment.StatusCode);
        var form = await fragment.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("<form id=\"register-form\"", form.Trim());
        Assert.DoesNotContain("<html", form);
    }

    [Fact]
    public async Task Chat_pages_need_a_session_and_bad_input_gets_a_4xx()
    {
        using var client = new Browserless(app.Host);
        var anonymous = await client.GetAsync("/chat");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery);

        var me = await app.Host.RegisterAsync("Page Tester");
        var peer = await app.Host.RegisterAsync("Page Peer");
        await client.LogInAsync(me);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/chat")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/chat/987654321")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/chat/{peer.Id}?before=%%%")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/chat/{peer.Id}?handler=older&before=bogus")).StatusCode);

        var token = await client.TokenAsync($"/chat/{peer.Id}");
        var empty = await client.PostAsync($"/chat/{peer.Id}", ("__RequestVerificationToken", token), ("text", "   "), ("clientMessageId", "c1"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);
        var tooLong = await client.PostAsync($"/chat/{peer.Id}", ("__RequestVerificationToken", token), ("text", "hi"), ("clientMessageId", new string('x', 200)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
        var toNobody = await client.PostAsync("/chat/987654321", ("__RequestVerificationToken", token), ("text", "hi"), ("clientMessageId", "c2"));
        Assert.Equal(HttpStatusCode.NotFound, toNobody.StatusCode);
    }

    [Fact]
    public async Task A_form_post_sent_twice_with_the_same_client_message_id_is_stored_once()
    {
        using var client = new Browserless(app.Host);
        var me = await app.Host.RegisterAsync("Double Clicker");
        var peer = await app.Host.RegisterAsync("Double Peer");
        await client.LogInAsync(me);
        var token = await client.TokenAsync($"/chat/{peer.Id}");
        for (var i = 0; i < 2; i++)
        {
            var sent = await client.PostAsync($"/chat/{peer.Id}", ("__RequestVerificationToken", token), ("text", "only once"), ("clientMessageId", "same-id"));
            Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        }
        var html = await client.GetStringAsync($"/chat/{peer.Id}");
        Assert.Single(Regex.Matches(html, "data-text[^>]*>only once<"));
    }

    [Fact]
    public async Task The_online_dot_is_shown_for_conversation_peers_only_never_for_directory_rows()
    {
        using var client = new Browserless(app.Host);
        var ann = await app.Host.RegisterAsync("Dot Ann");
        var bob = await app.Host.RegisterAsync("Dot Bob");
        var carl = await app.Host.RegisterAsync("Dot Carl");
        // Both are online; only Bob has a conversation with Ann.
        await using var bobSocket = await SocketClient.ConnectAsync(app.Host, bob);
        await using var carlSocket = await SocketClient.ConnectAsync(app.Host, carl);
        await bobSocket.SendAndAckAsync(ann.Id, "dot-hello", "Hi Ann");
        await client.LogInAsync(ann);

        var html = await client.GetStringAsync("/chat");
        for (var tries = 0; !html.Contains($"id=\"presence_{bob.Id}\" data-online=\"true\"") && tries < 50; tries++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            html = await client.GetStringAsync("/chat");
        }
        Assert.Contains($"id=\"presence_{bob.Id}\" data-online=\"true\"", html);
        Assert.Contains($"id=\"conversation_{carl.Id}\"", html);
        Assert.DoesNotContain($"presence_{carl.Id}", html);

        client.Http.DefaultRequestHeaders.Add("HX-Request", "true");
        var found = await client.GetStringAsync("/chat?handler=search&q=" + Uri.EscapeDataString("Dot Carl"));
        Assert.Contains($"id=\"conversation_{carl.Id}\"", found);
        Assert.DoesNotContain($"presence_{carl.Id}", found);
    }

    [Fact]
    public async Task Times_render_in_the_zone_the_tz_cookie_names_and_a_bad_cookie_falls_back_to_utc()
    {
        var me = await app.Host.RegisterAsync("Clock Reader");
        var peer = await app.Host.RegisterAsync("Clock Peer");
        await using (var socket = await SocketClient.ConnectAsync(app.Host, peer))
            await socket.SendAndAckAsync(me.Id, "clock-1", "What time is it?");
        using var client = new Browserless(app.Host);
        await client.LogInAsync(me);
        var cookies = ((HttpClientHandler)client.Handler).CookieContainer;

        async Task<(DateTime Utc, string Shown)> BubbleTime(string? zone)
        {
            if (zone is not null) cookies.Add(app.Host.Address, new Cookie("tz", zone));
            var response = await client.GetAsync($"/chat/{peer.Id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var match = Regex.Match(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken),
                "<time datetime=\"([^\"]+)\">([0-9:]+)</time>");
            return (DateTime.Parse(match.Groups[1].Value, null, System.Globalization.DateTimeStyles.AdjustToUniversal), match.Groups[2].Value);
        }

        var (sentAt, shown) = await BubbleTime(null);
        Assert.Equal(sentAt.ToString("HH:mm"), shown);
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        Assert.Equal(TimeZoneInfo.ConvertTimeFromUtc(sentAt, kolkata).ToString("HH:mm"), (await BubbleTime("Asia/Kolkata")).Shown);
        foreach (var hostile in new[] { "../../../../etc/passwd", "Not/A_Zone", "Europe/../Asia/Kolkata", new string('A', 300), "/usr/share/zoneinfo/Asia/Kolkata" })
            Assert.Equal(sentAt.ToString("HH:mm"), (await BubbleTime(hostile)).Shown);
    }

    [Fact]
    public async Task Directory_search_renders_names_as_text()
    {
        using var client = new Browserless(app.Host);
        var me = await app.Host.RegisterAsync("Searcher");
        await app.Host.RegisterAsync("<script>alert(1)</script>Eve");
        await client.LogInAsync(me);
        client.Http.DefaultRequestHeaders.Add("HX-Request", "true");
        var rows = await client.GetStringAsync("/chat?handler=search&q=" + Uri.EscapeDataString("<script>"));
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;Eve", rows);
        Assert.DoesNotContain("<script>", rows);
    }

    [Fact]
    public async Task Members_get_403_at_the_admin_pages_and_see_no_admin_link()
    {
        using var client = new Browserless(app.Host);
        // The first user of this app may have been made admin; a later one is a plain member.
        await app.Host.RegisterAsync("First Comer");
        var member = await app.Host.RegisterAsync("Member Only");
        Assert.False(member.IsAdmin);
        await client.LogInAsync(member);
        Assert.DoesNotContain("href=\"/admin\"", await client.GetStringAsync("/chat"));
        foreach (var path in new[] { "/admin", "/admin/audit-log", "/admin?handler=stats" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var forbidden = await client.GetAsync(response.Headers.Location);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
    }

    [Fact]
    public async Task The_user_event_stream_is_401_without_a_session_and_opens_with_ready_for_one()
    {
        using var anonymous = new Browserless(app.Host);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/chat/events")).StatusCode);

        using var client = new Browserless(app.Host);
        await client.LogInAsync(await app.Host.RegisterAsync("Sse Reader"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chat/events");
        using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        Assert.Equal("event: ready", await reader.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }
}
