using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace Chat.Tests.Infrastructure;

/// <summary>Every Serilog event of a host, as its JSON formatter writes it (the app's logger reads sinks from DI).</summary>
public sealed class CapturedLog : ILogEventSink
{
    readonly ConcurrentQueue<string> events = new();

    /// <summary>Message, properties and exception: everything a sink could write.</summary>
    public void Emit(LogEvent e)
    {
        using var writer = new StringWriter();
        new JsonFormatter(renderMessage: true).Format(e, writer);
        events.Enqueue(writer.ToString());
    }

    public string Text => string.Join("\n", events);
}
