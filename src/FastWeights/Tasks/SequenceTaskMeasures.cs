using System.Globalization;
using FastWeights.Training;

namespace FastWeights.Tasks;

/// <summary>The task's extra measures of a result (<see cref="ISequenceTask.Measures"/>) as text for messages.</summary>
public static class SequenceTaskMeasures
{
    /// <summary>", bits per byte 2.0233, perplexity 4.0652" (empty for a task without measures).</summary>
    public static string MeasuresText(this ISequenceTask task, EvaluationResult result, TokenDataset data)
    {
        ArgumentNullException.ThrowIfNull(task);
        return string.Concat(task.Measures(result, data).Select(m => string.Create(CultureInfo.InvariantCulture, $", {m.Key.Replace('_', ' ')} {m.Value:F4}")));
    }
}
