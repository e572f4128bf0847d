using Microsoft.Playwright;

namespace Chat.Tests.Browser;

/// <summary>
/// Writes what reaches a page to the test's output, which xunit shows when the test fails: its navigations and load
/// events, its chat sockets (opened, closed, each frame received, shortened), the answers to its POSTs, every answer of
/// 400 or more and every request that failed, and its script errors. Enough to tell whether
/// a tick that never turned came to the page at all, and in what order with the message it belongs to. In the page
/// itself it traces what became of them: every bubble and tick put in or taken out of #messages (with its seq and
/// tick), every htmx request's outcome and every out-of-band fragment that found no target.
/// </summary>
public static class PageLog
{
    const string Prefix = "pagelog: ";

    const string TraceScript = """
        (() => {
          const log = (line) => console.debug('pagelog: ' + line);
          // "message_<id> seq=<n> ticks_<id>=<state>" for a bubble, "ticks_<id>=<state>" for a tick.
          const describe = (el) => {
            const ticks = el.matches('[id^="ticks_"]') ? el : el.querySelector('[id^="ticks_"]');
            return el.id + (el.hasAttribute('data-seq') ? ' seq=' + el.getAttribute('data-seq') : '')
              + (ticks ? (ticks === el ? '' : ' ' + ticks.id) + '=' + ticks.getAttribute('data-delivery') : '');
          };
          const report = (sign, node) => {
            if (node.nodeType !== 1) return;
            const els = node.matches('[id^="message_"],[id^="ticks_"]') ? [node] : node.querySelectorAll('[id^="message_"]');
            els.forEach((el) => log(sign + ' ' + describe(el)));
          };
          document.addEventListener('DOMContentLoaded', () => {
            const list = document.getElementById('messages');
            if (!list) return;
            new MutationObserver((changes) => changes.forEach((c) => {
              c.removedNodes.forEach((n) => report('-', n));
              c.addedNodes.forEach((n) => report('+', n));
            })).observe(list, { childList: true, subtree: true });
          });
          document.addEventListener('htmx:afterRequest', (e) => log('request ' + e.detail.requestConfig.verb + ' ' + e.detail.pathInfo.requestPath
            + ' status=' + (e.detail.xhr && e.detail.xhr.status) + ' successful=' + e.detail.successful));
          document.addEventListener('htmx:oobErrorNoTarget', (e) => log('no target for ' + (e.detail.content && e.detail.content.id)));
        })();
        """;

    public static async Task AttachAsync(IPage page, string name)
    {
        await page.AddInitScriptAsync(TraceScript);
        var output = TestContext.Current.TestOutputHelper;
        void Write(string line)
        {
            try { output?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name}: {line}"); }
            catch (InvalidOperationException) { } // the test is over
        }
        page.WebSocket += (_, ws) =>
        {
            if (!ws.Url.Contains("/chat/socket")) return;
            Write("socket opened");
            ws.FrameReceived += (_, f) => Write("<- " + Shorten(f.Text ?? ""));
            ws.Close += (_, _) => Write("socket closed");
        };
        page.Response += (_, r) =>
        {
            if (r.Request.Method == "POST" || r.Status >= 400) Write($"{r.Request.Method} {new Uri(r.Url).AbsolutePath} answered {r.Status}");
        };
        page.RequestFailed += (_, r) => Write($"{r.Method} {Shorten(r.Url)} failed: {r.Failure}");
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame) Write("navigated to " + Shorten(frame.Url));
        };
        page.Load += (_, _) => Write("load");
        page.PageError += (_, error) => Write("script error: " + Shorten(error));
        page.Console += (_, m) =>
        {
            if (m.Text.StartsWith(Prefix)) Write(m.Text[Prefix.Length..]);
            else if (m.Type is "error" or "warning") Write($"console {m.Type}: " + Shorten(m.Text));
        };
    }

    static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length > 200 ? s[..200] + "…" : s;
    }
}
