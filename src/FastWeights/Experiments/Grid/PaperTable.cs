using FastWeights.Training;

namespace FastWeights.Experiments;

/// <summary>A table of a paper that a grid reproduces: its name, title, numbers and how its rows and columns are labelled.</summary>
/// <param name="Name">File stem of the report (<c>table1</c>, <c>table2</c>).</param>
/// <param name="Title">Heading of the report.</param>
/// <param name="Citation">The paper and table, for the JSON report.</param>
/// <param name="SizeLabel">What a column's size is called (<c>R</c>, <c>F</c>).</param>
/// <param name="Label">The paper's row label of a catalog model.</param>
/// <param name="ErrorPercent">The published test error in percent, or null where the paper has no such cell.</param>
/// <param name="Describe">What ours is measured on, for a grid's base configuration (one sentence).</param>
/// <param name="Budget">Lines on the data and model settings of the base configuration.</param>
public sealed record PaperTable(string Name, string Title, string Citation, string SizeLabel, Func<string, string> Label,
    Func<string, int, double?> ErrorPercent, Func<TrainingConfig, string> Describe, Func<TrainingConfig, IEnumerable<string>> Budget);
