using Chat.Web.Infrastructure;
using FluentValidation;

namespace Chat.Web.Features.Safety;

public sealed record ReportRequest(string? Reason);

public sealed record ResolveReportRequest(string? Action);

public sealed class ReportValidator : AbstractValidator<ReportRequest>
{
    public ReportValidator() =>
        RuleFor(r => r.Reason).Cascade(CascadeMode.Stop)
            .Must(r => r is null || r.Length <= Reports.MaxReasonLength).WithMessage($"reason must be at most {Reports.MaxReasonLength} characters.")
            .Must(r => r is null || DisplayText.IsSafe(r)).WithMessage("reason must not contain control characters, direction overrides or invalid Unicode.");
}

public sealed class ResolveReportValidator : AbstractValidator<ResolveReportRequest>
{
    public ResolveReportValidator() =>
        RuleFor(r => r.Action).Must(a => Reports.TryAction(a, out _)).WithMessage("action must be \"delete-message\", \"delete-user\" or \"dismiss\".");
}
