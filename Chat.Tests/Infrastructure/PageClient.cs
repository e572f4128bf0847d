using System.Net;
using System.Text.RegularExpressions;

namespace Chat.Tests.Infrastructure;

/// <summary>A browserless client for the pages: a cookie jar, no redirects followed, and the antiforgery token at hand.</summary>
public static partial class PageClient
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public static HttpClient Create(ChatHost host)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.Address };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        return http;
    }

    /// <summary>The antiforgery token of the form on the page at <paramref name="path"/>.</summary>
    public static async Task<string> AntiforgeryTokenAsync(this HttpClient http, string path) =>
        AntiforgeryField().Match(await http.GetStringAsync(path, TestContext.Current.CancellationToken)).Groups[1].Value;

    /// <summary>Posts the login form; returns the answer (a redirect on success).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient http, string phone, string password, string? token = null)
    {
        token ??= await http.AntiforgeryTokenAsync("/login");
        var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Phone", phone), new("Password", password)]);
        return await http.PostAsync("/login", form, TestContext.Current.CancellationToken);
    }
}
