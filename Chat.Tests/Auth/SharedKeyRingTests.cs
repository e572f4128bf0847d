using System.Net;
using Chat.Tests.Infrastructure;
using Chat.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Auth;

/// <summary>Two replicas of one deployment without sticky sessions: what one node's Data Protection signed, the other reads.</summary>
public sealed class SharedKeyRingTests(TestServers servers)
{
    [Fact]
    public async Task A_form_rendered_by_one_node_posts_to_the_other_and_its_sign_in_cookie_holds_there()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var a = await ChatHost.StartAsync(servers, Storage.Postgres, database: database);
        await using var b = await ChatHost.StartAsync(servers, Storage.Postgres, database: database);
        var ann = await a.RegisterAsync("Ann");

        // One cookie jar, two nodes: the login form (and its antiforgery cookie) from A, the post to B, the chat page from A.
        var jar = new CookieContainer();
        HttpClient Browser(ChatHost node)
        {
            var http = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = node.Address };
            http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
            return http;
        }
        using var onA = Browser(a);
        using var onB = Browser(b);
        var token = await onA.AntiforgeryTokenAsync("/login");
        // Both nodes are 127.0.0.1: cookies are per host, not per port, so A's antiforgery cookie goes to B as well.
        var login = await onB.PostLoginAsync(ann.Phone, ann.Password, token);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/chat", TestContext.Current.CancellationToken)).StatusCode);

        // The keys are in the database, where every replica finds them (not in a file of one container).
        using var scope = a.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync(TestContext.Current.CancellationToken));
    }
}
