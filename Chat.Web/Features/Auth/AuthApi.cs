using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Auth;

public static class AuthApi
{
    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/register", Register).Validate<RegisterRequest>().RequireRateLimiting(RateLimits.Auth);
        group.MapPost("/login", Login).Validate<LoginRequest>().RequireRateLimiting(RateLimits.Auth);
        group.MapGet("/verify", Verify).RequireAuthorization(AuthSetup.ApiPolicy);
    }

    static async Task<IResult> Register(RegisterRequest body, Accounts accounts, Tokens tokens, CancellationToken ct) =>
        await accounts.RegisterAsync(body, ct) switch
        {
            RegisterResult.Created(var user) => TypedResults.Ok(
new AuthResponse(tokens.Issue(user), AccountView.From(user))),
            _ => ApiErrors.Result(StatusCodes.Status409Conflict, "This phone number is already registered."),
        };

    static async Task<IResult> Login(LoginRequest body, Accounts accounts, Tokens tokens, CancellationToken ct)
    {
        var user = await accounts.LoginAsync(body.Phone!, body.Password!, ct);
        return user is null
            ? ApiErrors.Result(StatusCodes.Status401Unauthorized, "Invalid phone number or password.")
            : TypedResults.Ok(new AuthResponse(tokens.Issue(user), AccountView.From(user)));
    }

    static async Task<IResult> Verify(CurrentUser me, Accounts accounts, CancellationToken ct) =>
        await accounts.FindAsync(me.Id, ct) is { } user
            ? TypedResults.Ok(new { valid = true, user = AccountView.From(user) })
            : ApiErrors.Result(StatusCodes.Status401Unauthorized, "Session is no longer valid.");
}
