using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Html;

namespace Chat.Web.Features.Shared;

/// <summary>
/// Renders a Razor component (a bubble, a list row) to an HTML string outside any page or request, so the
/// browser socket can push exactly the markup the page shows: one template per
/// fragment. Components encode every string they output, exactly like Razor pages.
/// </summary>
public sealed class FragmentRenderer : IAsyncDisposable
{
    // The renderer resolves a few scoped framework services, so it gets a scope of its own that lives as long
    // as it does; it is safe to share, because its Dispatcher serialises every render.
    readonly AsyncServiceScope scope;
    readonly HtmlRenderer renderer;

    public FragmentRenderer(IServiceScopeFactory scopes, ILoggerFactory logs)
    {
        scope = scopes.CreateAsyncScope();
        renderer = new HtmlRenderer(scope.ServiceProvider, logs);
    }

    public Task<string> RenderAsync(Fragment fragment) =>
        renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(fragment.Parameters);
            return (await renderer.RenderComponentAsync(fragment.Component, parameters)).ToHtmlString();
        });

    /// <summary>The same markup for a page: the component has already encoded its content.</summary>
    public async Task<IHtmlContent> RenderForPageAsync(Fragment fragment) => new HtmlString(await RenderAsync(fragment));

    public async ValueTask DisposeAsync()
    {
        await renderer.DisposeAsync();
        await scope.DisposeAsync();
    }
}
