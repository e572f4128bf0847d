using Chat.Web.Features.Auth;
using Chat.Web.Features.Messaging;
using FluentValidation;
using Htmx;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Groups;

/// <summary>
/// /chat/groups/{id}/members: the members panel. Everyone sees the members and roles and may leave; admins rename, add
/// people (directory search), remove and make admins. Each action is a plain POST that redirects back here; htmx posts
/// the same form and swaps the panel from the page it lands on. <see cref="Groups"/> decides who may do what; a refusal
/// shows its message. A non-member is told the group does not exist (404), like the API.
/// </summary>
public sealed class MembersModel(Groups groups, PeoplePicker picker, IValidator<RenameGroupRequest> renames, IValidator<AddMembersRequest> additions)
    : PageModel
{
    public GroupView Group { get; private set; } = null!;
    public long Me { get; private set; }
    public bool IsAdmin => Group.Role == "admin" && !Group.Left;
    public PeoplePick? People { get; private set; }
    public string? Error { get; private set; }
    public string Path => $"/chat/groups/{Group.Id}/members";

    public async Task<IActionResult> OnGetAsync(long groupId, string? q, long[] userIds, CancellationToken ct)
    {
        if (!await LoadAsync(groupId, ct)) return NotFound();
        if (IsAdmin) People = await PickAsync(q, userIds, ct);
        return Page();
    }

    /// <summary>Search as you type in "Add people": admins only, like adding.</summary>
    public async Task<IActionResult> OnGetPeopleAsync(long groupId, string? q, long[] userIds, CancellationToken ct)
    {
        if (!await LoadAsync(groupId, ct)) return NotFound();
        if (!IsAdmin) return Forbid();
        return Partial("/Features/Groups/_People.cshtml", await PickAsync(q, userIds, ct));
    }

    public async Task<IActionResult> OnPostRenameAsync(long groupId, string? name, CancellationToken ct)
    {
        var validation = await renames.ValidateAsync(new RenameGroupRequest(name), ct);
        if (!validation.IsValid) return await RefusedAsync(groupId, new(422, "invalid_name", validation.Errors[0].ErrorMessage), ct);
        return await ChangedAsync(groupId, groups.RenameAsync(Caller, groupId, name!, ct), ct);
    }

    public async Task<IActionResult> OnPostAddAsync(long groupId, long[] userIds, CancellationToken ct)
    {
        if (userIds.Length == 0) return await RefusedAsync(groupId, new(422, "nobody", "Tick the people to add first."), ct);
        var validation = await additions.ValidateAsync(new AddMembersRequest([.. userIds.Select(id => id.ToString())]), ct);
        if (!validation.IsValid) return await RefusedAsync(groupId, new(422, "invalid_people", validation.Errors[0].ErrorMessage), ct);
        return await ChangedAsync(groupId, groups.AddAsync(Caller, groupId, userIds, ct), ct);
    }

    public Task<IActionResult> OnPostRemoveAsync(long groupId, long userId, CancellationToken ct) =>
        ChangedAsync(groupId, groups.RemoveAsync(Caller, groupId, userId, ct), ct);

    public Task<IActionResult> OnPostPromoteAsync(long groupId, long userId, CancellationToken ct) =>
        ChangedAsync(groupId, groups.PromoteAsync(Caller, groupId, userId, ct), ct);

    /// <summary>Leaving goes back to the group, which shows its history up to here and no composer.</summary>
    public async Task<IActionResult> OnPostLeaveAsync(long groupId, CancellationToken ct)
    {
        if (await groups.LeaveAsync(Caller, groupId, ct) is { } refused) return await RefusedAsync(groupId, refused, ct);
        return Redirect($"/chat/groups/{groupId}");
    }

    long Caller => Me = Tokens.UserId(User)!.Value;

    async Task<IActionResult> ChangedAsync(long groupId, Task<ChangeRefused?> change, CancellationToken ct) =>
        await change is { } refused ? await RefusedAsync(groupId, refused, ct) : Redirect($"/chat/groups/{groupId}/members");

    /// <summary>
    /// The panel again with the refusal's message, under its status (403 not an admin, 404 no such group or member,
    /// 400 …). An htmx request gets it as 422, the one error status the page's htmx swaps in (htmx-setup.js).
    /// </summary>
    async Task<IActionResult> RefusedAsync(long groupId, ChangeRefused refused, CancellationToken ct)
    {
        if (!await LoadAsync(groupId, ct)) return NotFound();
        Error = NewModel.Capitalised(refused.Error);
        if (IsAdmin) People = await PickAsync(null, [], ct);
        Response.StatusCode = Request.IsHtmx() ? StatusCodes.Status422UnprocessableEntity : refused.Status;
        return Page();
    }

    async Task<bool> LoadAsync(long groupId, CancellationToken ct)
    {
        Me = Tokens.UserId(User)!.Value;
        if (await groups.ViewAsync(Me, groupId, ct) is not { } view) return false;
        Group = view;
        return true;
    }

    Task<PeoplePick> PickAsync(string? q, long[] userIds, CancellationToken ct) =>
        picker.PickAsync(Me, q, userIds, [.. Group.Members.Select(m => long.Parse(m.UserId))], Path + "?handler=people", ct);
}
