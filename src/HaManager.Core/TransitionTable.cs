namespace HaManager.Core;

/// <summary>
/// A declarative "first matching row wins" table, written as the spec writes its state-change tables:
/// per state, rows of (condition, action). Conditions are evaluated lazily, top to bottom, so a row
/// whose condition has side effects (taking a lock, running workers) is only reached when the rows
/// above it did not match — exactly the semantics of the spec's tables.
/// </summary>
/// <typeparam name="TState">The state enum of the machine.</typeparam>
public sealed class TransitionTable<TState> where TState : struct, Enum
{
    private readonly Dictionary<TState, Row[]> _rows = [];

    /// <summary>One row: when <see cref="When"/> holds, run <see cref="Then"/> and stop.</summary>
    /// <param name="Description">The row as the spec words it, for tests and diagnostics.</param>
    /// <param name="When">The condition.</param>
    /// <param name="Then">The action (usually a state change).</param>
    public sealed record Row(string Description, Func<bool> When, Action Then);

    /// <summary>Declares the rows of one state, in priority order.</summary>
    public TransitionTable<TState> In(TState state, params Row[] rows)
    {
        _rows.Add(state, rows);
        return this;
    }

    /// <summary>Runs the first matching row of <paramref name="state"/>; returns its description or null.</summary>
    public string? Step(TState state)
    {
        if (!_rows.TryGetValue(state, out var rows))
            throw new InvariantViolationException($"no transition rows for state {state}");
        foreach (var row in rows)
        {
            if (!row.When()) continue;
            row.Then();
            return row.Description;
        }
        return null;
    }

    /// <summary>The declared rows of a state (for tests and documentation).</summary>
    public IReadOnlyList<Row> RowsOf(TState state) => _rows.TryGetValue(state, out var rows) ? rows : [];

    /// <summary>Builds a row.</summary>
    public static Row When(string description, Func<bool> condition, Action then) => new(description, condition, then);

    /// <summary>A row that always matches (the "otherwise" line).</summary>
    public static Row Otherwise(string description, Action then) => new(description, () => true, then);
}
