using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Chat.Tests.Api;

/// <summary>
/// Captures every Serilog event of a real host (the app's logger reads sinks from DI) and checks that
/// passwords and tokens never reach it, whatever the request carried them in.
/// </summary>
public sealed class LoggingTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The properties of a request log line as the JSON formatter writes them.</summary>
    static string RequestLine(string method, string path, int status) =>
        $"\"RequestMethod\":\"{method}\",\"RequestPath\":\"{path}\",\"StatusCode\":{status}";

    [Fact]
    public async Task Passwords_and_tokens_never_reach_the_log()
    {
        var log = new CapturedLog();
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["LOG_LEVEL"] = "Verbose",
            services: s => s.AddSingleton<ILogEventSink>(log));
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var wrongPassword = "wrong-" + Guid.NewGuid().ToString("N");
        var forgedToken = "forged-" + Guid.NewGuid().ToString("N");

        var user = await host.RegisterAsync(password: password);
        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password = wrongPassword }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/auth/login", new { phone = user.Phone, password }, Ct)).StatusCode);
        // A body that fails to parse, with the password in it.
        using var broken = new StringContent($"{{\"phone\":\"{user.Phone}\",\"password\":\"{password}\"", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync("/auth/login", broken, Ct)).StatusCode);

        using (var authed = host.Client(user.Token))
        {
            Assert.Equal(HttpStatusCode.OK, (await authed.GetAsync("/users", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await authed.GetAsync("/no-such-path", Ct)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/auth/verify?token={user.Token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/users?token={Uri.EscapeDataString(user.Token)}&limit=5", Ct)).StatusCode);
        using (var forged = host.Client(forgedToken))
            Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/auth/verify", Ct)).StatusCode);

        // Request lines are written as each response completes: a last request marks the end of the ones above.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
        // A request's line is written just after its response, so under load it can come after the next request's:
        // wait for every line the assertions read.
        string[] expected = [RequestLine("GET", "/health", 200), RequestLine("POST", "/auth/login", 401), RequestLine("GET", "/users", 401)];
        for (var i = 0; i < 200 && !expected.All(line => log.Text.Contains(line, StringComparison.Ordinal)); i++) await Task.Delay(50, Ct);
        var text = log.Text;

        Assert.Contains(RequestLine("POST", "/auth/login", 401), text); // the capture works and sees request lines
        Assert.Contains(RequestLine("GET", "/users", 401), text);       // the path, without its query
        Assert.DoesNotContain(password, text);
        Assert.DoesNotContain(wrongPassword, text);
        Assert.DoesNotContain(forgedToken, text);
        Assert.DoesNotContain(user.Token.Split('.')[2], text); // the signature part of the real token
        Assert.DoesNotContain("token=", text);
        Assert.DoesNotContain("Bearer", text);
    }

    [Fact]
    public async Task Message_bodies_and_socket_tokens_never_reach_the_log()
    {
        var log = new CapturedLog();
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite, s => s["LOG_LEVEL"] = "Verbose",
            services: s => s.AddSingleton<ILogEventSink>(log));
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        var body = "body-" + Guid.NewGuid().ToString("N");
        var cipher = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(body));
        await using (var annSocket = await SocketClient.ConnectAsync(host, ann))  // token in the query string
        await using (var bobSocket = await SocketClient.ConnectAsync(host.Address, bob.Token, tokenInHeader: true))
        {
            var ack = await annSocket.SendAndAckAsync(bob.Id, "c-1", body);
            Assert.Equal(cipher, (await bobSocket.TakeAsync("message")).Message().GetProperty("ciphertext").GetString());
            await bobSocket.SendAsync(new { type = "receipt", messageId = ack.Message().GetProperty("id").GetString(), kind = "read" });
            await annSocket.TakeAsync("receipt");
            // Broken frames that carry a body: the error path must not echo them into the log either.
            await annSocket.SendTextAsync($"{{\"type\":\"send-message\",\"ciphertext\":\"{cipher}\"");
            await annSocket.TakeAsync("error");
            await annSocket.SendAsync(new { type = "send-message", toUserId = bob.Id, ciphertext = body + "!not base64!" });
            await annSocket.TakeAsync("error");
        }
        using (var c = host.Client(bob.Token))
            Assert.Contains(cipher, await c.GetStringAsync($"/conversations/{ann.Id}/messages", Ct));

        // A socket's request line is written when the server side of it has finished: wait for both.
        static int Sockets(string text) => text.Split("\"RequestPath\":\"/ws\"").Length - 1;
        for (var i = 0; i < 200 && Sockets(log.Text) < 2; i++) await Task.Delay(50, Ct);
        var text = log.Text;

        Assert.Equal(2, Sockets(text)); // the capture saw both sockets' request lines
        Assert.DoesNotContain(body, text);
        Assert.DoesNotContain(cipher, text);
        Assert.DoesNotContain(ann.Token.Split('.')[2], text);
        Assert.DoesNotContain(bob.Token.Split('.')[2], text);
        Assert.DoesNotContain(ann.Password, text);
    }

    /// <summary>
    /// Conflicts the app handles are not errors: a fresh database's missing migrations table and a taken phone number,
    /// which every run meets, and two users opening their conversation at once (the unique pair index lets one insert
    /// win), which most runs meet: 16 opens at once, through the same failed save as the taken phone. An Error line in
    /// production must mean something went wrong, or people learn to ignore them.
    /// </summary>
    [Theory]
    [InlineData(Storage.Postgres)]
    [InlineData(Storage.Sqlite)]
    public async Task Conflicts_the_app_handles_log_no_error(Storage storage)
    {
        var log = new CapturedLog();
        // The production default level (the tests' default is Warning).
        await using var host = await ChatHost.StartAsync(servers, storage, s => s["LOG_LEVEL"] = "Information",
            services: s => s.AddSingleton<ILogEventSink>(log));
        var ann = await host.RegisterAsync();
        var bob = await host.RegisterAsync();
        using (var anonymous = host.Client())
            Assert.Equal(HttpStatusCode.Conflict, (await anonymous.PostAsJsonAsync("/auth/register", ChatHost.RegisterBody(ann.Phone), Ct)).StatusCode);
        using var annClient = host.Client(ann.Token);
        using var bobClient = host.Client(bob.Token);
        var opened = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => i % 2 == 0
            ? annClient.GetStringAsync($"/conversations/{bob.Id}", Ct)
            : bobClient.GetStringAsync($"/conversations/{ann.Id}", Ct)));
        Assert.Single(opened.Select(json => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("conversationId").GetString()).Distinct());

        Assert.Equal(HttpStatusCode.OK, (await annClient.GetAsync("/health", Ct)).StatusCode);
        for (var i = 0; i < 200 && !log.Text.Contains(RequestLine("GET", "/health", 200), StringComparison.Ordinal); i++) await Task.Delay(50, Ct);
        var text = log.Text;
        Assert.Contains(RequestLine("POST", "/auth/register", 409), text); // the capture saw the conflict's request
        Assert.Contains("\"Level\":\"Information\"", text);               // and writes each event's level
        Assert.DoesNotContain("\"Level\":\"Error\"", text);
    }
}
