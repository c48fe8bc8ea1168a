using System.Globalization;
using System.Text;
using GrandChallenge.Domain.Evaluations;

namespace GrandChallenge.Web.Features.Evaluation;

public static class LeaderboardExport
{
    /// <summary>The board as CSV: rank, participant, team, dates and ids, then each column's value (and error where set).</summary>
    public static string ToCsv(Leaderboard board)
    {
        var csv = new StringBuilder();
        var header = new List<string> { "rank", "rank_score", "user", "team", "created", "submission_id", "evaluation_id" };
        foreach (var column in board.Columns)
        {
            header.Add(column.Title);
            if (column.ErrorPath is not null)
            {
                header.Add(column.Title + " error");
            }
        }

        header.Add("comment");
        csv.AppendLine(string.Join(',', header.Select(Escape)));
        foreach (var row in board.Rows)
        {
            var cells = new List<string>
            {
                row.Rank.ToString(CultureInfo.InvariantCulture), row.RankScore.ToString("R", CultureInfo.InvariantCulture), row.UserName ?? "", row.TeamName ?? "",
                row.Created.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), row.SubmissionId.ToString(), row.EvaluationId.ToString(),
            };
            for (var i = 0; i < board.Columns.Count; i++)
            {
                cells.Add(row.Values[i]?.ToString("R", CultureInfo.InvariantCulture) ?? "");
                if (board.Columns[i].ErrorPath is not null)
                {
                    cells.Add(row.Errors[i]?.ToString("R", CultureInfo.InvariantCulture) ?? "");
                }
            }

            cells.Add(row.Comment);
            csv.AppendLine(string.Join(',', cells.Select(Escape)));
        }

        return csv.ToString();
    }

    // Quotes as RFC 4180 asks, and defuses cells a spreadsheet would run as a formula.
    private static string Escape(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
