using System.Globalization;
using System.Text;
using FastWeights.Tasks.Catch;
using FastWeights.Training;
using FastWeights.Training.Reinforcement;
using SkiaSharp;

namespace FastWeights.Cli;

/// <summary>
/// Pictures of Catch episodes an agent played: per episode a strip of its frames (the true screen; frames the agent saw
/// on black, blank ones shaded with the hidden ball drawn hollow), the action and its probability under each frame,
/// and for fast weights the attention of every step on the states stored before it. Also a text form for terminals.
/// </summary>
internal static class CatchPicture
{
    /// <summary>One played episode: its ball column, the paddle's left edge before each action, and what the agent did.</summary>
    internal sealed record Episode(int BallColumn, int[] PaddleLefts, int[] Actions, float[] Probabilities, double Return, double[,]? Attention);

    private static readonly SKColor Seen = new(0, 0, 0);
    private static readonly SKColor Blank = new(40, 48, 80);
    private static readonly SKColor Ball = new(255, 255, 255);
    private static readonly SKColor HiddenBall = new(255, 120, 120);
    private static readonly SKColor Paddle = new(250, 210, 60);
    private static readonly SKColor Text = new(20, 20, 20);

    /// <summary>Writes the episodes as one PNG (atomically).</summary>
    public static void WritePng(string path, CatchTask task, IReadOnlyList<Episode> episodes, string title)
    {
        int n = task.Size, steps = task.EpisodeLength;
        int cell = Math.Max(2, 96 / n);
        int frame = n * cell, gap = 6, labelHeight = 30, header = 22, margin = 10;
        bool attention = episodes.Any(e => e.Attention is not null);
        int attentionCell = Math.Max(3, 120 / steps);
        int attentionWidth = attention ? Math.Max(steps * attentionCell, 210) + 20 : 0;
        int rowHeight = header + Math.Max(frame + labelHeight, attention ? (steps * attentionCell) + 26 : 0);
        int width = (2 * margin) + (steps * (frame + gap)) + attentionWidth;
        int height = (2 * margin) + 40 + (episodes.Count * rowHeight);
        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 13);
        using var small = new SKFont(SKTypeface.Default, 10);
        using var ink = new SKPaint { Color = Text, IsAntialias = true };
        using var fill = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        using var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = HiddenBall };
        canvas.DrawText(title, margin, margin + 14, font, ink);
        canvas.DrawText($"Frames the agent saw are black; from frame {task.BlankAfter} on its screen is blank (shaded; the hidden ball drawn hollow). Under each frame: the action taken (< left, = stay, > right) and its probability.", margin, margin + 32, small, ink);
        for (int e = 0; e < episodes.Count; e++)
        {
            var ep = episodes[e];
            int top = margin + 40 + (e * rowHeight);
            string outcome = ep.Return > 0 ? "caught (+1)" : "missed (-1)";
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"episode {e + 1}: ball at column {ep.BallColumn}, {outcome}"), margin, top + 15, font, ink);
            int y0 = top + header;
            for (int t = 0; t < steps; t++)
            {
                int x0 = margin + (t * (frame + gap));
                bool blank = task.BlankAfter <= t;
                fill.Color = blank ? Blank : Seen;
                canvas.DrawRect(x0, y0, frame, frame, fill);
                var ballRect = new SKRect(x0 + (ep.BallColumn * cell), y0 + (t * cell), x0 + ((ep.BallColumn + 1) * cell), y0 + ((t + 1) * cell));
                if (blank)
                {
                    canvas.DrawRect(ballRect.Left + 0.5f, ballRect.Top + 0.5f, ballRect.Width - 1, ballRect.Height - 1, stroke);
                }
                else
                {
                    fill.Color = Ball;
                    canvas.DrawRect(ballRect, fill);
                }
                fill.Color = Paddle;
                canvas.DrawRect(x0 + (ep.PaddleLefts[t] * cell), y0 + ((n - 1) * cell), task.PaddleWidth * cell, cell, fill);
                int a = ep.Actions[t];
                string label = string.Create(CultureInfo.InvariantCulture, $"{"<=>"[a]} {ep.Probabilities[(t * CatchGame.Actions) + a]:0.00}");
                canvas.DrawText(label, x0 + 2, y0 + frame + 14, small, ink);
                canvas.DrawText(t.ToString(CultureInfo.InvariantCulture), x0 + 2, y0 + frame + 26, small, ink);
            }
            if (ep.Attention is { } att)
            {
                DrawAttention(canvas, att, margin + (steps * (frame + gap)) + 10, y0, attentionCell, small, ink);
            }
        }
        AtomicFile.Write(path, stream =>
        {
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            data.SaveTo(stream);
        });
    }

    // The T×T attention grid: row t (down) is step t, column τ (right) the stored state; each row scaled to its largest magnitude.
    private static void DrawAttention(SKCanvas canvas, double[,] att, int x0, int y0, int cell, SKFont font, SKPaint ink)
    {
        int steps = att.GetLength(0);
        using var fill = new SKPaint { Style = SKPaintStyle.Fill };
        for (int t = 0; t < steps; t++)
        {
            double max = 0;
            for (int tau = 0; tau < steps; tau++)
            {
                if (!double.IsNaN(att[t, tau]))
                {
                    max = Math.Max(max, Math.Abs(att[t, tau]));
                }
            }
            for (int tau = 0; tau < steps; tau++)
            {
                double v = att[t, tau];
                byte level = double.IsNaN(v) || max == 0 ? (byte)235 : (byte)(235 - (int)(200 * Math.Abs(v) / max));
                fill.Color = double.IsNaN(v) ? new SKColor(245, 245, 245) : v >= 0 ? new SKColor(level, level, 255) : new SKColor(255, level, level);
                canvas.DrawRect(x0 + (tau * cell), y0 + (t * cell), cell, cell, fill);
            }
        }
        canvas.DrawText("fast-weights attention of step t (rows)", x0, y0 + (steps * cell) + 11, font, ink);
        canvas.DrawText("on the state stored at step τ (columns)", x0, y0 + (steps * cell) + 22, font, ink);
    }

    /// <summary>The episodes as text: a line per step with the ball's column (O seen, o hidden, @ over the paddle) and the paddle (=).</summary>
    public static string Ascii(CatchTask task, IReadOnlyList<Episode> episodes)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Catch {task.Size}x{task.Size}, blank after {task.BlankAfter} frames. Each step: the ball's column (O seen, o hidden from the agent, @ over the paddle) and the paddle (=); then the action and its probability.\n");
        for (int e = 0; e < episodes.Count; e++)
        {
            var ep = episodes[e];
            sb.Append(CultureInfo.InvariantCulture, $"\nepisode {e + 1}: ball at column {ep.BallColumn}, {(ep.Return > 0 ? "caught (+1)" : "missed (-1)")}\n");
            for (int t = 0; t < task.EpisodeLength; t++)
            {
                var line = new char[task.Size];
                Array.Fill(line, '.');
                for (int c = 0; c < task.PaddleWidth; c++)
                {
                    line[ep.PaddleLefts[t] + c] = '=';
                }
                // The ball's column: O seen, o hidden from the agent, @ when it lies over the paddle.
                line[ep.BallColumn] = line[ep.BallColumn] == '=' ? '@' : task.BlankAfter <= t ? 'o' : 'O';
                int a = ep.Actions[t];
                string action = a switch { CatchGame.Left => "left ", CatchGame.Stay => "stay ", _ => "right" };
                sb.Append(CultureInfo.InvariantCulture, $"{t,3} |{new string(line)}| {action} {ep.Probabilities[(t * CatchGame.Actions) + a]:0.00}\n");
            }
        }
        return sb.ToString();
    }
}
