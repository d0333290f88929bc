using System.Text;

namespace HaManager.Core;

/// <summary>Writes a state machine given as data (states and labelled edges) as a Graphviz DOT graph,
/// in the declared order, so the drawing changes only when the table does.</summary>
public static class DotGraph
{
    /// <summary>The DOT text of a directed graph named <paramref name="name"/>.</summary>
    public static string Format(string name, IEnumerable<string> states, IEnumerable<(string From, string To, string? Label)> edges)
    {
        var sb = new StringBuilder();
        sb.Append("digraph \"").Append(name).Append("\" {\n");
        sb.Append("  rankdir=\"LR\";\n  node [shape=\"box\", style=\"rounded\"];\n");
        foreach (var state in states) sb.Append("  \"").Append(state).Append("\";\n");
        foreach (var (from, to, label) in edges)
        {
            sb.Append("  \"").Append(from).Append("\" -> \"").Append(to).Append('"');
            if (label is not null) sb.Append(" [label=\"").Append(label.Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"]");
            sb.Append(";\n");
        }
        return sb.Append("}\n").ToString();
    }
}
