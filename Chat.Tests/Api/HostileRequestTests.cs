using System.Net;
using System.Text;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Api;

/// <summary>
/// Malformed and hostile requests against every endpoint: each gets its 4xx with the JSON error shape,
/// never a 5xx. Runs on the bootstrapped app, so the signed-in caller is an ordinary user.
/// </summary>
public abstract class HostileRequestTests(BootstrappedApp app)
{
    /// <param name="Path">May hold {me} and {peer}, replaced with the ids of the caller and of another user.</param>
    /// <param name="Body">The raw body, sent as application/json unless <paramref name="ContentType"/> says otherwise.</param>
    public sealed record Hostile(string Method, string Path, string? Body, HttpStatusCode Status, bool SignedIn = true, string ContentType = "application/json");

    static string Register(string phone = "\"+15551230000\"", string name = "\"Eve\"", string password = "\"long enough pw\"", string key = "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"") =>
        $"{{\"phone\":{phone},\"displayName\":{name},\"password\":{password},\"identityKey\":{key}}}";

    static readonly string OneMegabyte = new('a', 1024 * 1024);

    static readonly Dictionary<string, Hostile> Cases = new()
    {
        // Bodies that are not JSON, or not the JSON we expect.
        ["register: truncated JSON"] = new("POST", "/auth/register", "{\"phone\":", HttpStatusCode.BadRequest),
        ["register: not JSON at all"] = new("POST", "/auth/register", "hello there", HttpStatusCode.BadRequest),
        ["register: a JSON array"] = new("POST", "/auth/register", "[1,2,3]", HttpStatusCode.BadRequest),
        ["register: JSON null"] = new("POST", "/auth/register", "null", HttpStatusCode.BadRequest),
        ["register: empty body"] = new("POST", "/auth/register", "", HttpStatusCode.BadRequest),
        ["register: empty object"] = new("POST", "/auth/register", "{}", HttpStatusCode.BadRequest),
        ["register: number for phone"] = new("POST", "/auth/register", Register(phone: "15551230000"), HttpStatusCode.BadRequest),
        ["register: boolean for display name"] = new("POST", "/auth/register", Register(name: "true"), HttpStatusCode.BadRequest),
        ["register: object for password"] = new("POST", "/auth/register", Register(password: "{\"a\":1}"), HttpStatusCode.BadRequest),
        ["register: array for identity key"] = new("POST", "/auth/register", Register(key: "[\"AAAA\"]"), HttpStatusCode.BadRequest),
        ["register: invalid UTF-8 bytes"] = new("POST", "/auth/register", Register(name: "\"\xff\xfe\""), HttpStatusCode.BadRequest),
        ["register: pre-keys nested 100 deep"] = new("POST", "/auth/register",
            Register()[..^1] + ",\"preKeys\":" + new string('[', 100) + new string(']', 100) + "}", HttpStatusCode.BadRequest),
        ["register: 1 MB display name"] = new("POST", "/auth/register", Register(name: $"\"{OneMegabyte}\""), HttpStatusCode.RequestEntityTooLarge),
        ["register: 1 MB pre-keys"] = new("POST", "/auth/register", Register()[..^1] + $",\"preKeys\":{{\"k\":\"{OneMegabyte}\"}}}}", HttpStatusCode.RequestEntityTooLarge),
        ["register: text/plain"] = new("POST", "/auth/register", Register(), HttpStatusCode.UnsupportedMediaType, ContentType: "text/plain"),
        ["register: a form post"] = new("POST", "/auth/register", "phone=%2B15551230000&password=x", HttpStatusCode.UnsupportedMediaType,
            ContentType: "application/x-www-form-urlencoded"),
        // Hostile strings in fields.
        ["register: SQL in the phone"] = new("POST", "/auth/register", Register(phone: "\"' OR '1'='1'; --\""), HttpStatusCode.BadRequest),
        ["register: SQL in the identity key"] = new("POST", "/auth/register", Register(key: "\"'); DROP TABLE users; --\""), HttpStatusCode.BadRequest),
        ["register: right-to-left override in the name"] = new("POST", "/auth/register", Register(name: "\"Ann\\u202Eexe.jpg\""), HttpStatusCode.BadRequest),
        ["register: lone surrogate in the name"] = new("POST", "/auth/register", Register(name: "\"Ann\\ud800\""), HttpStatusCode.BadRequest),
        ["register: NUL in the name"] = new("POST", "/auth/register", Register(name: "\"Ann\\u0000\""), HttpStatusCode.BadRequest),
        ["register: zero-width space in the phone"] = new("POST", "/auth/register", Register(phone: "\"+1555\\u200B1230000\""), HttpStatusCode.BadRequest),
        ["register: full-width digits in the phone"] = new("POST", "/auth/register", Register(phone: "\"+１５５５１２３００００\""), HttpStatusCode.BadRequest),
        ["login: truncated JSON"] = new("POST", "/auth/login", "{\"phone\":\"+1555", HttpStatusCode.BadRequest),
        ["login: wrong types"] = new("POST", "/auth/login", "{\"phone\":[\"+15551230000\"],\"password\":{}}", HttpStatusCode.BadRequest),
        ["login: SQL injection"] = new("POST", "/auth/login", "{\"phone\":\"' OR 1=1 --\",\"password\":\"' OR '1'='1\"}", HttpStatusCode.Unauthorized),
        // System.Text.Json refuses unpaired surrogates while reading: the body is malformed.
        ["login: lone surrogates in the password"] = new("POST", "/auth/login", "{\"phone\":\"+15551230000\",\"password\":\"\\udfff\\ud800xxxxxxx\"}", HttpStatusCode.BadRequest),
        ["login: 1 MB password"] = new("POST", "/auth/login", $"{{\"phone\":\"+15551230000\",\"password\":\"{OneMegabyte}\"}}", HttpStatusCode.RequestEntityTooLarge),
        // Tokens.
        ["verify: no token"] = new("GET", "/auth/verify", null, HttpStatusCode.Unauthorized, SignedIn: false),
        // Query parameters.
        ["users: limit 0"] = new("GET", "/users?limit=0", null, HttpStatusCode.BadRequest),
        ["users: limit of 20 digits"] = new("GET", "/users?limit=99999999999999999999", null, HttpStatusCode.BadRequest),
        ["users: limit as a float"] = new("GET", "/users?limit=2.5", null, HttpStatusCode.BadRequest),
        ["users: cursor of garbage"] = new("GET", "/users?cursor=%25%25%25", null, HttpStatusCode.BadRequest),
        ["users: SQL in the cursor"] = new("GET", "/users?cursor=1%20OR%201%3D1", null, HttpStatusCode.BadRequest),
        ["users: 4 KB cursor"] = new("GET", "/users?cursor=" + new string('A', 4_000), null, HttpStatusCode.BadRequest),
        ["users: NUL in the search"] = new("GET", "/users?q=a%00b", null, HttpStatusCode.BadRequest),
        ["users: right-to-left override in the search"] = new("GET", "/users?q=%E2%80%AEabc", null, HttpStatusCode.BadRequest),
        ["users: 4 KB search"] = new("GET", "/users?q=" + new string('x', 4_000), null, HttpStatusCode.BadRequest),
        ["users: the limit given twice"] = new("GET", "/users?limit=5&limit=10", null, HttpStatusCode.BadRequest),
        ["users: the cursor given twice"] = new("GET", "/users?cursor=cDE&cursor=cDI", null, HttpStatusCode.BadRequest),
        ["users: SQL in the phone"] = new("GET", "/users/'%20OR%20'1'%3D'1", null, HttpStatusCode.NotFound),
        ["users: right-to-left override in the phone"] = new("GET", "/users/%E2%80%AE15551230000", null, HttpStatusCode.NotFound),
        // Ids.
        ["conversations: id that is not a number"] = new("GET", "/conversations/abc", null, HttpStatusCode.NotFound),
        ["conversations: id beyond a 64-bit integer"] = new("GET", "/conversations/123456789012345678901234567890", null, HttpStatusCode.NotFound),
        ["conversations: largest 64-bit id"] = new("GET", "/conversations/9223372036854775807", null, HttpStatusCode.NotFound),
        ["conversations: negative id"] = new("GET", "/conversations/-5", null, HttpStatusCode.NotFound),
        ["conversations: SQL as the id"] = new("GET", "/conversations/1%20OR%201%3D1", null, HttpStatusCode.NotFound),
        ["conversations: an encoded slash in the id"] = new("GET", "/conversations/1%2F..%2F2", null, HttpStatusCode.NotFound),
        ["conversations: with yourself"] = new("GET", "/conversations/{me}", null, HttpStatusCode.BadRequest),
        ["messages: afterSeq negative"] = new("GET", "/conversations/{peer}/messages?afterSeq=-1", null, HttpStatusCode.BadRequest),
        ["messages: afterSeq of 30 digits"] = new("GET", "/conversations/{peer}/messages?afterSeq=123456789012345678901234567890", null, HttpStatusCode.BadRequest),
        ["messages: limit 101"] = new("GET", "/conversations/{peer}/messages?limit=101", null, HttpStatusCode.BadRequest),
        ["messages: cursor of garbage"] = new("GET", "/conversations/{peer}/messages?cursor=!!", null, HttpStatusCode.BadRequest),
        ["messages: without a token"] = new("GET", "/conversations/{peer}/messages", null, HttpStatusCode.Unauthorized, SignedIn: false),
        // Authorisation.
        ["admin: list as a user"] = new("GET", "/admin/users", null, HttpStatusCode.Forbidden),
        ["admin: delete as a user"] = new("DELETE", "/admin/users/{peer}", null, HttpStatusCode.Forbidden),
        ["admin: delete without a token"] = new("DELETE", "/admin/users/{peer}", null, HttpStatusCode.Unauthorized, SignedIn: false),
        // Wrong methods and unknown paths.
        ["wrong method: PUT register"] = new("PUT", "/auth/register", Register(), HttpStatusCode.MethodNotAllowed),
        ["wrong method: GET login"] = new("GET", "/auth/login", null, HttpStatusCode.MethodNotAllowed),
        ["wrong method: DELETE users"] = new("DELETE", "/users", null, HttpStatusCode.MethodNotAllowed),
        ["wrong method: POST conversation"] = new("POST", "/conversations/{peer}", "{}", HttpStatusCode.MethodNotAllowed),
        ["unknown path"] = new("GET", "/auth/nothing-here", null, HttpStatusCode.NotFound),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Is_refused_with_a_4xx_json_error(string name)
    {
        var c = Cases[name];
        var me = await app.Host.RegisterAsync();
        var peer = await app.Host.RegisterAsync();
        using var client = app.Host.Client(c.SignedIn ? me.Token : null);
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{me}", me.Id).Replace("{peer}", peer.Id));
        if (c.Body is not null)
        {
            // Latin-1 keeps the deliberately invalid UTF-8 bytes of a case as they are written.
            var bytes = c.Body.Any(ch => ch > '\u00ff') ? Encoding.UTF8.GetBytes(c.Body) : Encoding.Latin1.GetBytes(c.Body);
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new(c.ContentType);
            // The server answers an oversized body with 413 without reading it and closes the connection;
            // a client still writing the megabyte would see a reset instead of the answer, so it waits for
            // "100 Continue" first, as careful clients do.
            if (bytes.Length > Chat.Web.Infrastructure.HttpSetup.MaxRequestBodyBytes) request.Headers.ExpectContinue = true;
        }
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True(c.Status == response.StatusCode, $"{name}: expected {(int)c.Status}, got {(int)response.StatusCode}: {text}");
        ApiAssert.ErrorBody(response, text);
    }

    /// <summary>Kestrel itself answers a request line over 8 KB, before any middleware could add a JSON body.</summary>
    [Fact]
    public async Task A_url_over_kestrels_limit_is_414()
    {
        using var client = app.Host.Client(app.Admin.Token);
        var response = await client.GetAsync("/users?q=" + new string('x', 10_000), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
    }

    [Fact]
    public void Covers_at_least_thirty_cases() => Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");
}

public sealed class HostileRequestsOnPostgres(BootstrappedPostgresApp app) : HostileRequestTests(app), IClassFixture<BootstrappedPostgresApp>;

public sealed class HostileRequestsOnSqlite(BootstrappedSqliteApp app) : HostileRequestTests(app), IClassFixture<BootstrappedSqliteApp>;
