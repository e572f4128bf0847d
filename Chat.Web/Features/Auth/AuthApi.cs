using Chat.Web.Infrastructure;

namespace Chat.Web.Features.Auth;

public sealed record VerifyResponse(bool Valid, AccountView User);

public static class AuthApi
{
    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/register", Register).Throttled(p => p.AuthPerIp).Validate<RegisterRequest>().Answers<AuthResponse>(200, 400, 409, 429);
        group.MapPost("/login", Login).Throttled(p => p.AuthPerIp).Validate<LoginRequest>().Answers<AuthResponse>(200, 400, 401, 429);
        group.MapGet("/verify", Verify).RequireAuthorization(AuthSetup.ApiPolicy).Answers<VerifyResponse>(200, 401);
        group.MapPost("/logout-all", LogoutEverywhere).RequireAuthorization(AuthSetup.ApiPolicy).Answers<OkResponse>(200, 401);
        group.MapPost("/password", ChangePassword).RequireAuthorization(AuthSetup.ApiPolicy).Validate<ChangePasswordRequest>().Answers<AuthResponse>(200, 400, 401);
    }

    static async Task<IResult> Register(RegisterRequest body, Accounts accounts, Tokens tokens, CancellationToken ct) =>
        await accounts.RegisterAsync(body, ct) switch
        {
            RegisterResult.Created(var user) => TypedResults.Ok(
new AuthResponse(tokens.Issue(user), AccountView.From(user))),
            _ => ApiErrors.Result(StatusCodes.Status409Conflict, "This phone number is already registered."),
        };

    static async Task<IResult> Login(LoginRequest body, Accounts accounts, Tokens tokens, HttpContext http, CancellationToken ct) =>
        await accounts.LoginAsync(body.Phone!, body.Password!, ct) switch
        {
            LoginResult.SignedIn(var user) => TypedResults.Ok(new AuthResponse(tokens.Issue(user), AccountView.From(user))),
            LoginResult.Throttled(var decision) => ThrottleSetup.TooMany(http, decision),
            _ => ApiErrors.Result(StatusCodes.Status401Unauthorized, "Invalid phone number or password."),
        };

    static async Task<IResult> Verify(CurrentUser me, Accounts accounts, CancellationToken ct) =>
        await accounts.FindAsync(me.Id, ct) is { } user
            ? TypedResults.Ok(new VerifyResponse(true, AccountView.From(user)))
            : ApiErrors.Result(StatusCodes.Status401Unauthorized, "Session is no longer valid.");

    static async Task<IResult> LogoutEverywhere(CurrentUser me, Accounts accounts, CancellationToken ct)
    {
        await accounts.RevokeSessionsAsync(me.Id, ct);
        return TypedResults.Ok(new OkResponse());
    }

    static async Task<IResult> ChangePassword(ChangePasswordRequest body, CurrentUser me, Accounts accounts, Tokens tokens, CancellationToken ct) =>
        await accounts.ChangePasswordAsync(me.Id, body.CurrentPassword!, body.NewPassword!, ct) is { } user
            ? TypedResults.Ok(new AuthResponse(tokens.Issue(user), AccountView.From(user)))
            : ApiErrors.Result(StatusCodes.Status400BadRequest, "Validation failed",
                new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is wrong."] });
}
