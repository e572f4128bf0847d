using System.Security.Claims;
using Chat.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Chat.Web.Features.Auth;

/// <summary>
/// The browser session: an HttpOnly, SameSite cookie carrying the same claims as the API's JWT
/// (sub = user id, tv = token version), so AuthSetup's per-request check revokes both alike.
/// </summary>
public sealed class CookieSession(IHttpContextAccessor http)
{
    public Task SignInAsync(User user)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
                new Claim(Tokens.VersionClaim, user.TokenVersion.ToString()),
                new Claim(ClaimTypes.Name, user.DisplayName),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
        return http.HttpContext!.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = true });
    }

    public Task SignOutAsync() => http.HttpContext!.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
}
