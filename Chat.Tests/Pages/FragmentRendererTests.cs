using Chat.Tests.Infrastructure;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Pages;

/// <summary>The realtime gateway renders bubbles and rows outside any request: same markup as the page, still encoded.</summary>
public sealed class FragmentRendererTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task A_bubble_renders_outside_a_request_as_an_encoded_out_of_band_swap_by_client_message_id()
    {
        var fragments = app.Host.Services.GetRequiredService<FragmentRenderer>();
        var bubble = new Bubble(42, 7, "c-123", "<b hx-get=\"/admin\">x</b>", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), Own: true, TickState.Read);
        var renders = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            fragments.RenderAsync(MessageBubble.Of(bubble, ViewerTime.Utc, outOfBand: true))));

        var html = Assert.Single(renders.Distinct());
        Assert.StartsWith("<div id=\"message_c-123\"", html);
        Assert.Contains("hx-swap-oob=\"outerHTML\"", html);
        Assert.Contains("id=\"ticks_42\"", html);
        Assert.Contains("data-delivery=\"read\"", html);
        Assert.Contains("&lt;b hx-get=&quot;/admin&quot;&gt;x&lt;/b&gt;", html);
        Assert.DoesNotContain("<b ", html);
    }

    [Fact]
    public async Task A_list_row_renders_with_its_peer_id_unread_badge_and_presence_dot()
    {
        var fragments = app.Host.Services.GetRequiredService<FragmentRenderer>();
        var html = await fragments.RenderAsync(ConversationListItem.Of(
            new ConversationRow(9, "Zoe <i>", "+15550009999", "You: hi", DateTime.UtcNow, 3, Online: true), active: false, ViewerTime.Utc));
        Assert.StartsWith("<li id=\"conversation_9\"", html);
        Assert.DoesNotContain("hx-swap-oob", html);
        Assert.Contains("id=\"presence_9\" data-online=\"true\"", html);
        Assert.Contains("aria-label=\"3 unread\"", html);
        Assert.Contains("Zoe &lt;i&gt;", html);
    }

    [Fact]
    public async Task Times_and_date_separators_follow_the_readers_time_zone()
    {
        var fragments = app.Host.Services.GetRequiredService<FragmentRenderer>();
        // 20:00 UTC on Thursday 1 January is 05:00 on Friday 2 January in Tokyo: another time and another day.
        var bubble = new Bubble(1, 1, "tz-1", "late", new DateTime(2026, 1, 1, 20, 0, 0, DateTimeKind.Utc), Own: false, TickState.Sent);
        async Task<string> RenderIn(ViewerTime time) =>
            await fragments.RenderAsync(MessageList.Of([bubble], time));

        var utc = await RenderIn(ViewerTime.Utc);
        Assert.Contains("Thursday, 1 January 2026", utc);
        Assert.Contains(">20:00</time>", utc);

        var tokyo = await RenderIn(new ViewerTime(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")));
        Assert.Contains("data-day=\"2026-01-02\"", tokyo);
        Assert.Contains("Friday, 2 January 2026", tokyo);
        Assert.Contains(">05:00</time>", tokyo);
        Assert.Contains("datetime=\"2026-01-01T20:00:00.0000000Z\"", tokyo); // the machine-readable time stays UTC
    }
}
