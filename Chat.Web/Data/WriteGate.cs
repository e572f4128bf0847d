namespace Chat.Web.Data;

/// <summary>Serialises write transactions when the provider cannot run them concurrently (SQLite).</summary>
public sealed class WriteGate(bool serialize)
{
    readonly SemaphoreSlim gate = new(1, 1);
    static readonly IDisposable Nothing = new Release(null);

    public async ValueTask<IDisposable> EnterAsync(CancellationToken ct = default)
    {
        if (!serialize) return Nothing;
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    sealed class Release(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
