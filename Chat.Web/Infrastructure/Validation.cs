using FluentValidation;

namespace Chat.Web.Infrastructure;

public static class Validation
{
    /// <summary>Runs the FluentValidation validator of T on the endpoint's T argument; failures are a 400 with "errors".</summary>
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder route) => route.AddEndpointFilter(async (ctx, next) =>
    {
        var arg = ctx.Arguments.OfType<T>().FirstOrDefault();
        if (arg is null) return ApiErrors.BadRequest("A JSON body is required");
        var validator = ctx.HttpContext.RequestServices.GetRequiredService<IValidator<T>>();
        var result = await validator.ValidateAsync(arg, ctx.HttpContext.RequestAborted);
        if (result.IsValid) return await next(ctx);
        var errors = result.Errors
            .GroupBy(f => char.ToLowerInvariant(f.PropertyName[0]) + f.PropertyName[1..])
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());
        return ApiErrors.Result(StatusCodes.Status400BadRequest, "Validation failed", errors);
    });
}
