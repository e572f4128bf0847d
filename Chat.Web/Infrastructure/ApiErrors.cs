using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Chat.Web.Infrastructure;

/// <summary>The one error shape of the JSON API: {"error": "...", "errors": {field: [..]}}.</summary>
public sealed record ApiError(
    string Error,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IDictionary<string, string[]>? Errors = null);

public static class ApiErrors
{
    public static IResult Result(int status, string error, IDictionary<string, string[]>? errors = null) =>
        TypedResults.Json(new ApiError(error, errors), statusCode: status);

    public static IResult BadRequest(string error) => Result(StatusCodes.Status400BadRequest, error);
    public static IResult NotFound(string error) => Result(StatusCodes.Status404NotFound, error);

    /// <summary>
    /// Turns failures into the error shape: bad request bodies (malformed JSON, wrong types, too large)
    /// become their 4xx; anything unexpected is a logged 500 that reveals nothing.
    /// Bodiless 4xx answers of API requests (401 from the JWT handler, 404, 405) get a body too.
    /// </summary>
    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A bad request is the client's mistake, not ours: no error log with a stack trace for it.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
            StatusCodeSelector = e => e is BadHttpRequestException b ? b.StatusCode : StatusCodes.Status500InternalServerError,
            ExceptionHandler = async ctx =>
            {
                var e = ctx.Features.Get<IExceptionHandlerFeature>()?.Error;
                var (status, message) = e switch
                {
                    BadHttpRequestException { StatusCode: 413 } => (413, "Request body too large"),
                    BadHttpRequestException { StatusCode: 415 } => (415, "Content-Type must be application/json"),
                    BadHttpRequestException { InnerException: JsonException } => (400, "Malformed JSON or a field of the wrong type"),
                    BadHttpRequestException b => (b.StatusCode, "Bad request"),
                    _ => (500, "Internal server error"),
                };
                ctx.Response.StatusCode = status;
                await ctx.Response.WriteAsJsonAsync(new ApiError(message));
            },
        });
        app.UseStatusCodePages(async ctx =>
        {
            var http = ctx.HttpContext;
            if (http.Response.HasStarted || http.Response.ContentLength > 0 || http.Response.ContentType is not null) return;
            if (!IsApiRequest(http.Request)) return;
            var message = http.Response.StatusCode switch
            {
                401 => "Authentication required",
                403 => "Forbidden",
                404 => "Not found",
                405 => "Method not allowed",
                429 => "Too many requests",
                _ => "Request failed",
            };
            await http.Response.WriteAsJsonAsync(new ApiError(message));
        });
        return app;
    }

    /// <summary>A request from an API client rather than a browser page navigation.</summary>
    public static bool IsApiRequest(HttpRequest request) =>
        !request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal) ||
        request.Headers.Authorization.Count > 0;
}
