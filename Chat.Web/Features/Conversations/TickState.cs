namespace Chat.Web.Features.Conversations;

/// <summary>A message's delivery as its ticks show it.</summary>
public enum TickState { Sent, Delivered, Read }
