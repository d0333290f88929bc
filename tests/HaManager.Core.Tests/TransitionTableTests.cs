using HaManager.Core.Crm;

namespace HaManager.Core.Tests;

/// <summary>Goal: the first matching row wins and later conditions are not evaluated.</summary>
public class TransitionTableTests
{
    [Test]
    public void First_matching_row_wins_and_later_conditions_are_not_evaluated()
    {
        var calls = new List<string>();
        var table = new TransitionTable<CrmState>().In(CrmState.Slave,
            TransitionTable<CrmState>.When("a", () => { calls.Add("a?"); return false; }, () => calls.Add("a!")),
            TransitionTable<CrmState>.When("b", () => { calls.Add("b?"); return true; }, () => calls.Add("b!")),
            TransitionTable<CrmState>.When("c", () => { calls.Add("c?"); return true; }, () => calls.Add("c!")));
        Assert.That(table.Step(CrmState.Slave), Is.EqualTo("b"));
        Assert.That(calls, Is.EqualTo(new[] { "a?", "b?", "b!" }));
    }

    [Test]
    public void A_state_without_rows_is_a_bug() =>
        Assert.Throws<InvariantViolationException>(() => new TransitionTable<CrmState>().Step(CrmState.Master));
}
