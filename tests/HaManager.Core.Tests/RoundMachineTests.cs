namespace HaManager.Core.Tests;

/// <summary>
/// Goal: the Stateless-based daemon machine keeps the spec tables' semantics: the first matching row
/// wins, each condition is evaluated at most once per round and only after the rows above it were
/// false, a row's before-action precedes the state change, and a follow-up fired by a stay runs right
/// after the round. Method: a small machine whose conditions and actions record what they did.
/// </summary>
public class RoundMachineTests
{
    private enum S { A, B, C }

    private enum T { Round, Next }

    private static (RoundMachine<S, T> Machine, List<string> Calls) Machine(bool a, bool b, bool c)
    {
        var calls = new List<string>();
        RoundMachine<S, T> m = null!;
        m = new RoundMachine<S, T>(S.A, T.Round, (from, to) => calls.Add($"{from}=>{to}"))
            .Round(S.A)
                .Go("a", () => { calls.Add("a?"); return a; }, S.B, before: () => calls.Add("a!"))
                .Stay("b", () => { calls.Add("b?"); return b; }, () => { calls.Add("b!"); m.Fire(T.Next); })
                .Go("c", () => { calls.Add("c?"); return c; }, S.B)
                .Otherwise("stay", () => calls.Add("otherwise"))
            .On(S.A, T.Next, S.C);
        return (m, calls);
    }

    [Test]
    public void First_matching_row_wins_and_later_conditions_are_not_evaluated()
    {
        var (m, calls) = Machine(a: false, b: false, c: true);
        m.Step();
        Assert.That(m.State, Is.EqualTo(S.B));
        Assert.That(calls, Is.EqualTo(new[] { "a?", "b?", "c?", "A=>B" }), "each condition once, top to bottom");
    }

    [Test]
    public void A_rows_before_action_precedes_the_state_change()
    {
        var (m, calls) = Machine(a: true, b: true, c: true);
        m.Step();
        Assert.That(calls, Is.EqualTo(new[] { "a?", "a!", "A=>B" }));
    }

    [Test]
    public void A_follow_up_fired_by_a_stay_runs_after_the_round()
    {
        var (m, calls) = Machine(a: false, b: true, c: true);
        m.Step();
        Assert.That(m.State, Is.EqualTo(S.C));
        Assert.That(calls, Is.EqualTo(new[] { "a?", "b?", "b!", "A=>C" }));
    }

    [Test]
    public void Otherwise_stays()
    {
        var (m, calls) = Machine(a: false, b: false, c: false);
        m.Step();
        Assert.That(m.State, Is.EqualTo(S.A));
        Assert.That(calls[^1], Is.EqualTo("otherwise"));
    }

    [Test]
    public void A_state_without_rows_is_a_bug()
    {
        var m = new RoundMachine<S, T>(S.C, T.Round, (_, _) => { });
        Assert.Throws<InvariantViolationException>(m.Step);
    }
}
