namespace Chat.Web.Features.Auth;

/// <summary>The signed-in user's id, bound as an endpoint parameter on authorised endpoints.</summary>
public sealed record CurrentUser(long Id)
{
    public static ValueTask<CurrentUser?> BindAsync(HttpContext ctx) =>
        ValueTask.FromResult(Tokens.UserId(ctx.User) is { } id ? new CurrentUser(id) : null);
}
