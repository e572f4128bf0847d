using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Groups;

/// <summary>The members panel's forms refuse as the service does: a member who is not admin 403, a non-member 404, nothing changed.</summary>
public sealed class GroupPagesTests(TestServers servers)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_an_admin_removes_through_the_members_panel_a_member_gets_403_with_the_reason_and_a_stranger_404()
    {
        await using var host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        var ann = await host.RegisterAsync("Ann Panel");
        var bob = await host.RegisterAsync("Bob Panel");
        var cat = await host.RegisterAsync("Cat Panel");
        var eve = await host.RegisterAsync("Eve Panel");
        var group = await GroupApi.CreateAsync(host, ann, "Panel", bob, cat);

        async Task<HttpResponseMessage> RemoveAsync(TestUser actor, TestUser whom)
        {
            using var http = PageClient.Create(host);
            Assert.Equal(HttpStatusCode.Redirect, (await http.PostLoginAsync(actor.Phone, actor.Password)).StatusCode);
            var token = await http.AntiforgeryTokenAsync("/chat/groups/new");
            var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("userId", whom.Id)]);
            var response = await http.PostAsync($"/chat/groups/{group}/members?handler=remove", form, Ct);
            await response.Content.LoadIntoBufferAsync(Ct);
            return response;
        }

        var byMember = await RemoveAsync(bob, cat);
        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Contains("Only a group admin may do this.", await byMember.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await RemoveAsync(eve, cat)).StatusCode);
        Assert.Equal(3, (await GroupApi.GetAsync(host, ann, $"/groups/{group}")).GetProperty("memberCount").GetInt32());

        var byAdmin = await RemoveAsync(ann, cat);
        Assert.Equal(HttpStatusCode.Redirect, byAdmin.StatusCode);
        Assert.Equal($"/chat/groups/{group}/members", byAdmin.Headers.Location?.OriginalString);
        Assert.Equal(2, (await GroupApi.GetAsync(host, ann, $"/groups/{group}")).GetProperty("memberCount").GetInt32());
    }
}
