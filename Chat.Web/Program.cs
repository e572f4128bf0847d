using Chat.Web.Data;
using Chat.Web.Features;
using Chat.Web.Features.Actions;
using Chat.Web.Features.Admin;
using Chat.Web.Features.Auth;
using Chat.Web.Features.Conversations;
using Chat.Web.Features.Directory;
using Chat.Web.Features.Groups;
using Chat.Web.Features.Health;
using Chat.Web.Features.Keys;
using Chat.Web.Features.Media;
using Chat.Web.Features.Messaging;
using Chat.Web.Features.Push;
using Chat.Web.Features.Realtime;
using Chat.Web.Features.Safety;
using Chat.Web.Features.Search;
using Chat.Web.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddChatLogging()
    .AddHttp()
    .AddStorage()
    .AddChatAuth()
    .AddThrottle()
    .AddProxyTrust()
    .AddHealth()
    .AddDirectory()
    .AddMessaging()
    .AddMedia()
    .AddGroups()
    .AddActions()
    .AddKeys()
    .AddAdmin()
    .AddRealtime()
    .AddConversations()
    .AddSearch()
    .AddSafety()
    .AddPush()
    .AddPages()
    .AddTelemetry()
    .AddApiDocs();

var app = builder.Build();
if (args.Contains("--migrate-only"))
{
    await app.MigrateOnlyAsync();
    await app.DisposeAsync(); // flushes the log
    return;
}
app.UseProxyTrust();
app.UseRequestLogging();
app.UseApiSocket(); // before the rest: an idle socket keeps alive every middleware it passed through
app.UseSecurityHeaders();
app.UseApiErrors();
app.UseStaticFiles();
app.UseRouting();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealthApi();
app.MapTelemetry();
app.MapApiDocs();
var api = app.MapGroup("").RequireCors(HttpSetup.ApiCors);
api.MapAuthApi();
api.MapDirectoryApi();
api.MapConversationsApi();
api.MapSearchApi();
api.MapSafetyApi();
api.MapGroupsApi();
api.MapActionsApi();
api.MapKeysApi();
api.MapPushApi();
api.MapMediaApi();
api.MapAdminApi();
app.MapRealtime();
app.MapConversations();
app.MapPages();

await app.EnsureMediaStoreAsync();
app.Run();

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
