using Chat.Web.Features.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chat.Web.Features.Safety;

/// <summary>POST /chat/{userId}/block (and ?handler=unblock): the chat header's control; back to the conversation after.</summary>
public sealed class BlockModel(Blocks blocks) : PageModel
{
    public IActionResult OnGet(long userId) => Redirect($"/chat/{userId}");

    public Task<IActionResult> OnPostAsync(long userId, CancellationToken ct) => ChangeAsync(userId, blocks.BlockAsync, ct);

    public Task<IActionResult> OnPostUnblockAsync(long userId, CancellationToken ct) => ChangeAsync(userId, blocks.UnblockAsync, ct);

    async Task<IActionResult> ChangeAsync(long userId, Func<long, long, CancellationToken, Task<BlockChange>> change, CancellationToken ct) =>
        await change(Tokens.UserId(User)!.Value, userId, ct) switch
        {
            BlockChange.Done => Redirect($"/chat/{userId}"),
            BlockChange.WithSelf => BadRequest(),
            _ => NotFound(),
        };
}
