using FastWeights.Autodiff;
using FastWeights.Optim;
using FastWeights.Tensors;

namespace FastWeights.Training;

/// <summary>
/// The optimisation step every training loop shares, whatever its loss: inside <see cref="Begin"/> … Dispose the
/// caller builds a loss on the tape; <see cref="Update"/> differentiates it, clips the global gradient norm (when a
/// threshold is set) and lets the optimizer update the parameters — unless the loss is not finite. Dispose drops the
/// gradients and the tape and, when pooled, recycles every tensor of the step from the step's
/// <see cref="TensorArena"/>, so a warmed-up step maps no new memory.
/// </summary>
public sealed class OptimizationStep
{
    private readonly Tensor[] parameters;
    private readonly Optimizer optimizer;
    private readonly float? clipNorm;
    private readonly bool pooled;

    /// <summary>Creates the step over <paramref name="parameters"/>, updated by <paramref name="optimizer"/>.</summary>
    /// <param name="parameters">The trained parameters (their gradients are dropped after each step).</param>
    /// <param name="optimizer">The optimizer over those parameters; set its learning rate before each step.</param>
    /// <param name="clipNorm">Largest global gradient norm (Pascanu et al. 2013), or null for no clipping.</param>
    /// <param name="pooled">Whether the step's tensors come from the step's arena (true) or are newly allocated (false).</param>
    public OptimizationStep(IEnumerable<Tensor> parameters, Optimizer optimizer, float? clipNorm, bool pooled = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (clipNorm is { } c && (!(c > 0) || !float.IsFinite(c)))
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clipping norm must be positive and finite.");
        }
        this.parameters = [.. parameters];
        this.optimizer = optimizer;
        this.clipNorm = clipNorm;
        this.pooled = pooled;
    }

    /// <summary>The arena the step's tensors live in (exposed for diagnostics: pooled bytes and buffer counts).</summary>
    public TensorArena Arena { get; } = new();

    /// <summary>Starts a step: tensors created until the returned scope is disposed live only for this step.</summary>
    public Scope Begin() => new(this, pooled ? Arena.Activate() : default);

    /// <summary>
    /// Backward pass, clipping and update from <paramref name="loss"/>; false (nothing updated) when the loss is not
    /// finite, or when clipping finds a gradient that is not (which would make every weight NaN).
    /// </summary>
    public bool Update(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (!float.IsFinite(loss.Item()))
        {
            Tape.Reset();
            return false;
        }
        Tape.Backward(loss);
        return ApplyGradients();
    }

    /// <summary>
    /// Clipping and update from the gradients the parameters already hold (a data-parallel step sums its shards'
    /// gradients into them); false (nothing updated) when clipping finds a gradient that is not finite.
    /// </summary>
    public bool ApplyGradients()
    {
        if (clipNorm is { } c && !float.IsFinite(GradientClipping.ClipGlobalNorm(parameters, c)))
        {
            return false;
        }
        optimizer.Step();
        return true;
    }

    /// <summary>One step's lifetime; disposing it drops the gradients and the tape and recycles the step's tensors.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly OptimizationStep owner;
        private readonly TensorArena.Scope arenaScope;

        internal Scope(OptimizationStep owner, TensorArena.Scope arenaScope)
        {
            this.owner = owner;
            this.arenaScope = arenaScope;
        }

        /// <summary>Ends the step.</summary>
        public void Dispose()
        {
            // The gradients live in the arena: drop them before its buffers are recycled.
            foreach (var p in owner.parameters)
            {
                p.ZeroGrad();
            }
            Tape.Reset();
            if (owner.pooled)
            {
                arenaScope.Dispose();
                owner.Arena.Reset();
            }
        }
    }
}
