using Microsoft.Playwright;

namespace Chat.Tests.Browser;

/// <summary>
/// Writes what reaches a page to the test's output, which xunit shows when the test fails: its chat sockets (opened,
/// closed, each frame received, shortened), the answers to its POSTs, and its script errors. Enough to tell whether
/// a tick that never turned came to the page at all, and in what order with the message it belongs to.
/// </summary>
public static class PageLog
{
    public static void Attach(IPage page, string name)
    {
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
            if (r.Request.Method == "POST") Write($"POST {new Uri(r.Url).AbsolutePath} answered {r.Status}");
        };
        page.PageError += (_, error) => Write("script error: " + Shorten(error));
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning") Write($"console {m.Type}: " + Shorten(m.Text));
        };
    }

    static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length > 200 ? s[..200] + "…" : s;
    }
}
