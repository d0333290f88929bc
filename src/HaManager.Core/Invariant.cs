using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace HaManager.Core;

/// <summary>Thrown when the core detects that one of its own invariants is broken: a bug, never an
/// operating condition. Tests and the simulator stop at once; the daemons log it and retry next round.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);

/// <summary>Assertions that name the failed expression and the values involved.</summary>
public static class Invariant
{
    /// <summary>Throws <see cref="InvariantViolationException"/> unless <paramref name="condition"/> holds.</summary>
    public static void Check([DoesNotReturnIf(false)] bool condition, string detail,
        [CallerArgumentExpression(nameof(condition))] string? expression = null)
    {
        if (!condition) throw new InvariantViolationException($"{expression}: {detail}");
    }
}
