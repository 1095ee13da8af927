using FastWeights.Tensors;

namespace FastWeights.Autodiff;

/// <summary>
/// The tape for reverse-mode differentiation. Each differentiable op that has an input which requires a
/// gradient records a backward action here; <see cref="Backward"/> seeds the loss's gradient with 1 and
/// runs the actions in reverse order. Each thread has its own tape (<see cref="Current"/>), so models can
/// train on several threads at once.
/// <para>
/// A fused whole-sequence op with a hand-written backward pass records itself exactly like a primitive:
/// compute the output, then call <see cref="Record"/> with an action that reads the output's
/// <see cref="Tensor.Grad"/> (skip when null) and accumulates into each input's <see cref="Tensor.EnsureGrad"/>.
/// </para>
/// </summary>
public sealed class Tape
{
    [ThreadStatic]
    private static Tape? current;

    [ThreadStatic]
    private static int noGradDepth;

    private readonly List<Action> entries = [];

    /// <summary>This thread's tape.</summary>
    public static Tape Current => current ??= new Tape();

    /// <summary>Whether ops record onto the tape on this thread (false inside <see cref="NoGrad"/>).</summary>
    public static bool IsGradEnabled => noGradDepth == 0;

    /// <summary>Number of recorded backward actions.</summary>
    public int Count => entries.Count;

    /// <summary>Turns recording off on this thread until the returned scope is disposed (for inference).</summary>
    public static NoGradScope NoGrad()
    {
        noGradDepth++;
        return default;
    }

    /// <summary>True when grad mode is on and <paramref name="a"/> requires a gradient.</summary>
    public static bool ShouldRecord(Tensor a) => noGradDepth == 0 && a.RequiresGrad;

    /// <summary>True when grad mode is on and any of the inputs requires a gradient.</summary>
    public static bool ShouldRecord(Tensor a, Tensor b) => noGradDepth == 0 && (a.RequiresGrad || b.RequiresGrad);

    /// <summary>True when grad mode is on and any of <paramref name="inputs"/> requires a gradient.</summary>
    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (noGradDepth != 0)
        {
            return false;
        }
        foreach (var t in inputs)
        {
            if (t.RequiresGrad)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Records a backward action on this thread's tape and marks <paramref name="output"/> as requiring a gradient.
    /// </summary>
    public static void Record(Tensor output, Action backward)
    {
        output.RequiresGrad = true;
        Current.entries.Add(backward);
    }

    /// <summary>
    /// In the backward action of a one-input op: false when <paramref name="output"/> received no gradient, else the
    /// gradient of <paramref name="input"/> to accumulate into (created on first use) and the output's gradient.
    /// </summary>
    internal static bool TryGetGradients(Tensor output, Tensor input, out Span<float> inputGrad, out ReadOnlySpan<float> outputGrad)
    {
        if (output.Grad is not { } g)
        {
            inputGrad = default;
            outputGrad = default;
            return false;
        }
        inputGrad = input.EnsureGrad().Span;
        outputGrad = g.Span;
        return true;
    }

    /// <summary>
    /// Differentiates the scalar <paramref name="loss"/>: seeds its gradient with 1, runs every recorded
    /// action in reverse, and clears the tape. Leaf gradients accumulate across calls until zeroed.
    /// </summary>
    public static void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.Length != 1)
        {
            throw new InvalidOperationException($"Backward needs a scalar loss, got shape {ShapeUtil.Format(loss.Shape)}.");
        }
        var tape = Current;
        if (!loss.RequiresGrad)
        {
            tape.entries.Clear();
            throw new InvalidOperationException("The loss does not depend on any tensor that requires a gradient.");
        }
        loss.EnsureGrad().Span[0] += 1f;
        try
        {
            for (int i = tape.entries.Count - 1; i >= 0; i--)
            {
                tape.entries[i]();
            }
        }
        finally
        {
            tape.entries.Clear();
        }
    }

    /// <summary>Drops everything recorded on this thread's tape (for example after a forward pass whose loss is not differentiated).</summary>
    public static void Reset() => Current.entries.Clear();

    /// <summary>Scope returned by <see cref="NoGrad"/>.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        /// <summary>Ends the scope.</summary>
        public void Dispose() => noGradDepth--;
    }
}
