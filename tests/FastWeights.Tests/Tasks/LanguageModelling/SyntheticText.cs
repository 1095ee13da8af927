using System.Text;

namespace FastWeights.Tests;

/// <summary>A small text for language-modelling tests: lines "the Xing of N." with a seeded letter X and number N.</summary>
internal static class SyntheticText
{
    /// <summary>Writes at least <paramref name="length"/> characters of such lines to <paramref name="path"/>.</summary>
    public static void Write(string path, int length, ulong seed)
    {
        var text = new StringBuilder();
        var rng = new FastWeights.Tensors.Rng(seed);
        while (text.Length < length)
        {
            text.Append("the ").Append((char)('a' + rng.NextInt(26))).Append("ing of ").Append(rng.NextInt(100)).Append(".\n");
        }
        File.WriteAllText(path, text.ToString());
    }
}
