using Chat.Web.Features.Auth;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Groups;

/// <summary>
/// /chat/groups/new: name a group and tick its people, found with the directory search (as you type with htmx, by a
/// plain GET without JavaScript, which carries the name and the ticks along). Creating it opens the group.
/// </summary>
public sealed class NewModel(Groups groups, PeoplePicker picker, IValidator<CreateGroupRequest> validator) : PageModel
{
    public const string Path = "/chat/groups/new";

    public string? Name { get; private set; }
    public PeoplePick People { get; private set; } = null!;
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? name, string? q, long[] userIds, CancellationToken ct)
    {
        Name = name;
        People = await PickAsync(q, userIds, ct);
        return Page();
    }

    /// <summary>Search as you type: the ticked people and the matches.</summary>
    public async Task<IActionResult> OnGetPeopleAsync(string? q, long[] userIds, CancellationToken ct) =>
        Partial("/Features/Groups/_People.cshtml", await PickAsync(q, userIds, ct));

    public async Task<IActionResult> OnPostAsync(string? name, long[] userIds, CancellationToken ct)
    {
        var me = Tokens.UserId(User)!.Value;
        var request = new CreateGroupRequest(name, [.. userIds.Select(id => id.ToString())]);
        var validation = await validator.ValidateAsync(request, ct);
        if (!validation.IsValid) return await RefuseAsync(name, userIds, validation.Errors[0].ErrorMessage, 422, ct);
        if (userIds.All(id => id == me)) return await RefuseAsync(name, userIds, "Pick at least one person.", 422, ct);
        var (id, refused) = await groups.CreateAsync(me, name!, userIds, ct);
        if (refused is not null) return await RefuseAsync(name, userIds, refused.Error, refused.Status, ct);
        return Redirect($"/chat/groups/{id}");
    }

    async Task<IActionResult> RefuseAsync(string? name, long[] userIds, string error, int status, CancellationToken ct)
    {
        (Name, Error) = (name, Capitalised(error));
        People = await PickAsync(null, userIds, ct);
        Response.StatusCode = status;
        return Page();
    }

    Task<PeoplePick> PickAsync(string? q, long[] userIds, CancellationToken ct) =>
        picker.PickAsync(Tokens.UserId(User)!.Value, q, userIds, [], Path + "?handler=people", ct);

    /// <summary>The API's messages start with the field's name ("name is required."); a page's sentence starts with a capital.</summary>
    public static string Capitalised(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
