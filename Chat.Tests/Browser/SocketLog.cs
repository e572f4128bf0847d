using Microsoft.Playwright;

namespace Chat.Tests.Browser;

/// <summary>
/// Writes a page's chat sockets (opened, closed, each frame received, shortened) to the test's output, which
/// xunit shows when the test fails: whether a tick that never turned came to the page at all.
/// </summary>
public static class SocketLog
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
    }

    static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length > 200 ? s[..200] + "…" : s;
    }
}
