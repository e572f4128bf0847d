namespace Chat.Web.Features.Shared;

/// <summary>A component with its parameters, made by the component's own typed <c>Of(...)</c>, for <see cref="FragmentRenderer"/>.</summary>
public sealed record Fragment(Type Component, IDictionary<string, object?> Parameters);
