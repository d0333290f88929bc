using System.Text;

namespace HaManager.Cli;

/// <summary>
/// Upstream's text tables (config-cli §9.4): columns as wide as their widest cell or title, left
/// aligned, a rule between rows; box-drawing characters under a UTF-8 locale, ASCII otherwise;
/// <c>--noborder</c> separates columns by one blank and leaves the last unpadded.
/// </summary>
public static class TextTable
{
    private sealed record Style(string Top, string Head, string Mid, string Bottom, char Line, char HeadLine, char Side);

    private static readonly Style Boxes = new("┌┬┐", "╞╪╡", "├┼┤", "└┴┘", '─', '═', '│');
    private static readonly Style Ascii = new("+++", "+++", "+++", "+++", '-', '=', '|');

    /// <summary>Whether the locale (LC_ALL, LC_CTYPE, LANG in that order) is UTF-8.</summary>
    public static bool Utf8Locale()
    {
        string? locale = new[] { "LC_ALL", "LC_CTYPE", "LANG" }.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        return locale is not null && (locale.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || locale.Contains("utf8", StringComparison.OrdinalIgnoreCase));
    }

    public static string Render(string[] titles, IReadOnlyList<string[]> rows, bool border, bool header, bool utf8)
    {
        var widths = titles.Select((t, i) => Math.Max(header ? t.Length : 0, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        var sb = new StringBuilder();
        if (!border)
        {
            void Plain(string[] cells) =>
                sb.Append(string.Join(' ', cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd()).Append('\n');
            if (header) Plain(titles);
            foreach (var row in rows) Plain(row);
            return sb.ToString();
        }
        var s = utf8 ? Boxes : Ascii;
        void Rule(string corners, char line) =>
            sb.Append(corners[0]).Append(string.Join(corners[1], widths.Select(w => new string(line, w + 2)))).Append(corners[2]).Append('\n');
        void Cells(string[] cells) =>
            sb.Append(s.Side).Append(string.Concat(cells.Select((c, i) => $" {c.PadRight(widths[i])} {s.Side}"))).Append('\n');
        Rule(s.Top, s.Line);
        if (header)
        {
            Cells(titles);
            Rule(s.Head, s.HeadLine);
        }
        for (int i = 0; i < rows.Count; i++)
        {
            if (i > 0) Rule(s.Mid, s.Line);
            Cells(rows[i]);
        }
        Rule(s.Bottom, s.Line);
        return sb.ToString();
    }
}
