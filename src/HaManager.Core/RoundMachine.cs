using Stateless;
using Stateless.Graph;

namespace HaManager.Core;

/// <summary>
/// A daemon state machine on Stateless that reads like the spec's state-change tables. Once per
/// iteration the daemon fires <c>round</c>: each state has rows (description, condition) in priority
/// order and the first row whose condition holds wins — a row is a <c>PermitIf</c> to another state or
/// an internal transition that stays. Conditions may have side effects (a lock attempt is a condition
/// in upstream's tables), so each is evaluated at most once per round and only after every row above
/// it was evaluated false: each guard is "no earlier row matched, and mine holds", which also makes
/// the guards mutually exclusive as Stateless requires. A stay's action may fire a follow-up trigger
/// (queued, so it runs right after the round's transition) when its outcome decides the next state.
/// <para>The states, rows and follow-ups are all declared to Stateless, so <see cref="ToDotGraph"/>
/// draws the machine from the code that runs it.</para>
/// </summary>
/// <typeparam name="TState">The machine's states.</typeparam>
/// <typeparam name="TTrigger">Its triggers; one of them is the round.</typeparam>
public sealed class RoundMachine<TState, TTrigger>
    where TState : struct, Enum
    where TTrigger : struct, Enum
{
    private readonly StateMachine<TState, TTrigger> _machine;
    private readonly TTrigger _round;
    private readonly Dictionary<TState, RowList> _rows = [];

    /// <summary>Creates the machine in <paramref name="initial"/>; <paramref name="onTransition"/> runs on every
    /// state change (the uniform log line), after the winning row's <c>before</c> action.</summary>
    public RoundMachine(TState initial, TTrigger round, Action<TState, TState> onTransition)
    {
        _round = round;
        _machine = new StateMachine<TState, TTrigger>(initial, FiringMode.Queued);
        _machine.OnTransitioned(t =>
        {
            if (t.Trigger.Equals(_round) && _rows.TryGetValue(t.Source, out var rows)) rows.Matched?.Before?.Invoke();
            onTransition(t.Source, t.Destination);
        });
    }

    /// <summary>The current state.</summary>
    public TState State => _machine.State;

    /// <summary>Declares the round rows of <paramref name="state"/>.</summary>
    public RowList Round(TState state)
    {
        var rows = new RowList(this, state);
        _rows.Add(state, rows);
        return rows;
    }

    /// <summary>Declares a follow-up: in <paramref name="from"/>, <paramref name="trigger"/> leads to <paramref name="to"/>.</summary>
    public RoundMachine<TState, TTrigger> On(TState from, TTrigger trigger, TState to)
    {
        _machine.Configure(from).Permit(trigger, to);
        return this;
    }

    /// <summary>Runs the round of the current state: exactly one row wins.</summary>
    public void Step()
    {
        if (!_rows.TryGetValue(State, out var rows))
            throw new InvariantViolationException($"no round rows for state {State}");
        rows.Reset();
        _machine.Fire(_round);
        Invariant.Check(rows.Matched is not null, $"no row matched in state {State}");
    }

    /// <summary>Fires a follow-up trigger (queued when called from a row's action).</summary>
    public void Fire(TTrigger trigger) => _machine.Fire(trigger);

    /// <summary>The machine as a Graphviz DOT graph (states, guarded transitions, follow-ups).</summary>
    public string ToDotGraph() => UmlDotGraph.Format(_machine.GetInfo());

    /// <summary>The round rows of a state, in priority order (for tests and documentation).</summary>
    public IReadOnlyList<string> RowsOf(TState state) =>
        _rows.TryGetValue(state, out var rows) ? rows.Descriptions : [];

    /// <summary>The rows of one state, built in priority order; end with <see cref="Otherwise"/>.</summary>
    public sealed class RowList
    {
        private readonly RoundMachine<TState, TTrigger> _owner;
        private readonly StateMachine<TState, TTrigger>.StateConfiguration _config;
        private readonly List<Row> _rows = [];
        private bool?[] _results = [];

        internal RowList(RoundMachine<TState, TTrigger> owner, TState state)
        {
            _owner = owner;
            _config = owner._machine.Configure(state);
        }

        internal Row? Matched { get; private set; }

        internal IReadOnlyList<string> Descriptions => _rows.Select(r => r.Description).ToList();

        /// <summary>When <paramref name="condition"/> holds, go to <paramref name="target"/>; <paramref name="before"/>
        /// runs first (a line the spec logs before the state change).</summary>
        public RowList Go(string description, Func<bool> condition, TState target, Action? before = null)
        {
            int index = Add(new Row(description, condition, before, null));
            _config.PermitIf(_owner._round, target, () => Matches(index), $"{index + 1}. {description}");
            return this;
        }

        /// <summary>When <paramref name="condition"/> holds, stay and run <paramref name="action"/> (which may
        /// fire a follow-up trigger).</summary>
        public RowList Stay(string description, Func<bool> condition, Action? action = null)
        {
            int index = Add(new Row(description, condition, null, action));
            _config.InternalTransitionIf(_owner._round, _ => Matches(index), _ => action?.Invoke(), $"{index + 1}. {description}");
            return this;
        }

        /// <summary>The last row: stay, running <paramref name="action"/>.</summary>
        public RoundMachine<TState, TTrigger> Otherwise(string description, Action? action = null)
        {
            Stay(description, () => true, action);
            return _owner;
        }

        internal void Reset()
        {
            if (_results.Length != _rows.Count) _results = new bool?[_rows.Count];
            else Array.Clear(_results);
            Matched = null;
        }

        private int Add(Row row)
        {
            _rows.Add(row);
            return _rows.Count - 1;
        }

        /// <summary>Row <paramref name="index"/> wins: every row above it evaluated false (each condition at
        /// most once per round, top to bottom), and its own condition holds.</summary>
        private bool Matches(int index)
        {
            for (int i = 0; i < index; i++)
                if (Evaluate(i)) return false;
            if (!Evaluate(index)) return false;
            Matched = _rows[index];
            return true;
        }

        private bool Evaluate(int index) => _results[index] ??= _rows[index].Condition();
    }

    internal sealed record Row(string Description, Func<bool> Condition, Action? Before, Action? Action);
}
