using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Chat.Web.Data;

/// <summary>
/// A query compiled once per provider. A compiled query is bound to the provider it first ran on; the app uses one,
/// but a process may hold both (the tests run PostgreSQL and SQLite hosts side by side).
/// </summary>
public sealed class CompiledQuery<TQuery>(Func<TQuery> compile) where TQuery : Delegate
{
    readonly ConcurrentDictionary<Type, TQuery> byProvider = new();

    public TQuery For(DbContext db) => byProvider.GetOrAdd(db.GetType(), _ => compile());
}
