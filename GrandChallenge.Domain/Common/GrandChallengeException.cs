namespace GrandChallenge.Domain.Common;

/// <summary>A broken invariant in the domain; the message is safe to show to users.</summary>
public class DomainException(string message) : Exception(message);
