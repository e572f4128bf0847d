using Scalar.AspNetCore;

namespace Chat.Web.Infrastructure;

/// <summary>
/// The JSON API's OpenAPI document at <c>/openapi/v1.json</c>, generated from the endpoints and their declared answers
/// (<see cref="Answers{T}"/>), and a reference page at <c>/scalar</c> in Development. The WebSocket protocol is
/// described beside it, in docs/api.md.
/// </summary>
public static class ApiDocs
{
    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "E2E Chat API";
            document.Info.Description = "The JSON REST API; the WebSocket protocol (/ws) is described in docs/api.md.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment()) app.MapScalarApiReference();
        return app;
    }

    /// <summary>What an endpoint answers: <typeparamref name="T"/> with <paramref name="status"/>, or the error shape with each of <paramref name="errors"/>.</summary>
    public static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder route, int status = StatusCodes.Status200OK, params int[] errors)
    {
        route.Produces<T>(status);
        foreach (var error in errors) route.Produces<ApiError>(error);
        return route;
    }
}

/// <summary>The answer of an action that has nothing else to say.</summary>
public sealed record OkResponse(bool Ok = true);
