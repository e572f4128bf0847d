using System.Net;
using Chat.Tests.Infrastructure;
using static Chat.Tests.Actions.ActionApi;

namespace Chat.Tests.Actions;

/// <summary>A message's action page without JavaScript: plain forms that act through the same service and return to the conversation.</summary>
public sealed class ActionPagesTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_JavaScript_the_action_page_reacts_replies_edits_and_deletes_by_plain_posts_and_refuses_with_the_reason()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        var (ann, bea, eve) = (await host.RegisterAsync("Ann Page"), await host.RegisterAsync("Bea Page"), await host.RegisterAsync("Eve Page"));
        string id;
        await using (var socket = await SocketClient.ConnectAsync(host, ann)) id = (await socket.SendAndAckAsync(bea.Id, "p-1", "Plain <b>HTML</b> & forms")).Message().Str("id")!;

        async Task<HttpClient> SignedInAsync(TestUser who)
        {
            var http = PageClient.Create(host);
            Assert.Equal(HttpStatusCode.Redirect, (await http.PostLoginAsync(who.Phone, who.Password)).StatusCode);
            return http;
        }
        async Task<HttpResponseMessage> PostAsync(HttpClient http, string handler, params (string, string)[] fields)
        {
            var token = await http.AntiforgeryTokenAsync($"/chat/messages/{id}");
            var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))]);
            var response = await http.PostAsync($"/chat/messages/{id}?handler={handler}", form, Ct);
            await response.Content.LoadIntoBufferAsync(Ct);
            return response;
        }

        using var asBea = await SignedInAsync(bea);
        var page = await asBea.GetStringAsync($"/chat/messages/{id}", Ct);
        Assert.Contains("Plain &lt;b&gt;HTML&lt;/b&gt; &amp; forms", page); // encoded, never markup
        Assert.Contains($"href=\"/chat/{ann.Id}?replyTo={id}#composer\"", page);
        Assert.DoesNotContain("handler=edit", page); // not hers to edit

        var reacted = await PostAsync(asBea, "react", ("emoji", "🎉"));
        Assert.Equal((HttpStatusCode.Redirect, $"/chat/{ann.Id}"), (reacted.StatusCode, reacted.Headers.Location?.OriginalString));
        Assert.Equal(new Dictionary<string, int> { ["🎉"] = 1 }, (await HistoryAsync(host, ann, $"/conversations/{bea.Id}/messages"))[0].Reactions());
        var bad = await PostAsync(asBea, "react", ("emoji", "not one emoji"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Contains("A reaction is a single emoji.", await bad.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(asBea, "edit", ("text", "mine now"))).StatusCode);

        // The reply link's composer, and the send it makes.
        var composer = await asBea.GetStringAsync($"/chat/{ann.Id}?replyTo={id}", Ct);
        Assert.Contains($"name=\"replyToId\" value=\"{id}\"", composer);
        var token = await asBea.AntiforgeryTokenAsync($"/chat/{ann.Id}");
        var sent = await asBea.PostAsync($"/chat/{ann.Id}", new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("text", "A reply"),
            new("clientMessageId", "page-reply"), new("replyToId", id)]), Ct);
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        var reply = (await HistoryAsync(host, ann, $"/conversations/{bea.Id}/messages"))[0];
        Assert.Equal(id, reply.GetProperty("replyTo").Str("messageId"));

        using var asAnn = await SignedInAsync(ann);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(asAnn, "edit", ("text", "Edited by a form"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(asAnn, "delete")).StatusCode);
        Assert.Equal("", (await HistoryAsync(host, bea, $"/conversations/{ann.Id}/messages"))[1].Str("ciphertext"));

        using var asEve = await SignedInAsync(eve);
        Assert.Equal(HttpStatusCode.NotFound, (await asEve.GetAsync($"/chat/messages/{id}", Ct)).StatusCode);
    }
}
