using Chat.Web.Infrastructure;
using FluentValidation;

namespace Chat.Web.Features.Groups;

public sealed record CreateGroupRequest(string? Name, string[]? MemberIds);
public sealed record RenameGroupRequest(string? Name);
public sealed record AddMembersRequest(string[]? UserIds);

static class GroupRules
{
    public static IRuleBuilderOptions<T, string?> GroupName<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Cascade(CascadeMode.Stop).NotEmpty().WithMessage("name is required.")
            .Must(n => n!.Trim().Length is >= 1 and <= GroupSettings.MaxNameLength).WithMessage($"name must be 1 to {GroupSettings.MaxNameLength} characters.")
            .Must(DisplayText.IsSafe).WithMessage("name must not contain control characters, direction overrides or invalid Unicode.");

    public static IRuleBuilderOptions<T, string[]?> UserIds<T>(this IRuleBuilderInitial<T, string[]?> rule, int max) =>
        rule.Cascade(CascadeMode.Stop).NotNull().WithMessage("a list of user ids is required.")
            .Must(ids => ids!.Length <= max).WithMessage($"at most {max} user ids.")
            .Must(ids => ids!.All(id => Ids.TryParse(id, out _))).WithMessage("every user id must be an id.");

    public static long[] Parsed(string[]? ids) => (ids ?? []).Select(long.Parse).ToArray();
}

public sealed class CreateGroupValidator : AbstractValidator<CreateGroupRequest>
{
    public CreateGroupValidator(GroupSettings settings)
    {
        RuleFor(r => r.Name).GroupName();
        RuleFor(r => r.MemberIds).UserIds(settings.MaxMembers);
    }
}

public sealed class RenameGroupValidator : AbstractValidator<RenameGroupRequest>
{
    public RenameGroupValidator() => RuleFor(r => r.Name).GroupName();
}

public sealed class AddMembersValidator : AbstractValidator<AddMembersRequest>
{
    public AddMembersValidator(GroupSettings settings) => RuleFor(r => r.UserIds).UserIds(settings.MaxMembers).Must(ids => ids!.Length > 0).WithMessage("at least one user id.");
}
