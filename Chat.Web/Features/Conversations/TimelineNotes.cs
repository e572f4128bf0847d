using Chat.Web.Features.Messaging;

namespace Chat.Web.Features.Conversations;

/// <summary>
/// A group's system message as the sentence its timeline and list preview show ("Ann added Bea and Cat"), from the
/// reader's side ("You removed Cat", "Ann removed you"). Plain text: the components that show it encode it.
/// </summary>
public static class TimelineNotes
{
    /// <summary>Whose names the sentence needs.</summary>
    public static IEnumerable<long> People(SystemEvent e) =>
        e.UserIds.Prepend(e.ActorId).Select(id => long.TryParse(id, out var v) ? v : 0).Where(id => id > 0);

    public static string Text(SystemEvent e, long me, IReadOnlyDictionary<long, string> names)
    {
        string Name(string id, bool start) => long.TryParse(id, out var v) && v == me ? (start ? "You" : "you")
            : long.TryParse(id, out v) && names.TryGetValue(v, out var n) ? n : DisplayNames.Unknown;
        var actor = Name(e.ActorId, start: true);
        var people = Join(e.UserIds.Select(id => Name(id, start: false)).ToList());
        return e.Action switch
        {
            "created" => $"{actor} created the group “{e.Name}”",
            "renamed" => $"{actor} renamed the group to “{e.Name}”",
            "added" => $"{actor} added {people}",
            "removed" => $"{actor} removed {people}",
            "left" => $"{actor} left",
            "promoted" => $"{actor} made {people} {(e.UserIds.Length == 1 ? "an admin" : "admins")}",
            _ => "The group changed",
        };
    }

    static string Join(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "nobody",
        1 => names[0],
        _ => string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1],
    };
}
