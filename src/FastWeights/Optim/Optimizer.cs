using FastWeights.Tensors;

namespace FastWeights.Optim;

/// <summary>
/// Base class of first-order optimizers over named parameters (as returned by
/// <see cref="Nn.Module.NamedParameters"/>). <see cref="Step"/> updates every parameter that has a
/// <see cref="Tensor.Grad"/> (parameters without one are skipped). The state (step count and per-parameter
/// buffers) can be exported with <see cref="StateTensors"/> and restored with <see cref="LoadState"/>, so a run
/// resumed from a checkpoint continues bit-identically.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Largest step count that the state export stores exactly (2^24, exact in a float32).</summary>
    public const int MaxExportableStepCount = 1 << 24;

    private float learningRate;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">Distinct names, each mapping to a distinct tensor.</param>
    /// <param name="learningRate">The initial learning rate (finite, non-negative).</param>
    protected Optimizer(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, tensor) in parameters)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(tensor, name);
            if (!names.Add(name))
            {
                throw new ArgumentException($"Parameter name '{name}' appears twice.", nameof(parameters));
            }
            if (!tensors.TryAdd(tensor, name))
            {
                throw new ArgumentException($"Parameters '{tensors[tensor]}' and '{name}' are the same tensor; pass it once.", nameof(parameters));
            }
        }
        Parameters = parameters.ToList();
        LearningRate = learningRate;
    }

    /// <summary>The parameters, in the order given to the constructor.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Parameters { get; }

    /// <summary>The learning rate used by the next <see cref="Step"/> (set it from a schedule before each step).</summary>
    public float LearningRate
    {
        get => learningRate;
        set
        {
            if (!float.IsFinite(value) || value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and non-negative.");
            }
            learningRate = value;
        }
    }

    /// <summary>Number of <see cref="Step"/> calls so far (restored by <see cref="LoadState"/>).</summary>
    public int StepCount { get; private set; }

    /// <summary>Prefix of this optimizer's state tensor names, for example <c>adam</c>.</summary>
    public abstract string StatePrefix { get; }

    /// <summary>Increments <see cref="StepCount"/>, then updates every parameter that has a gradient in place.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i].Value;
            var grad = parameter.Grad;
            if (grad is null)
            {
                continue;
            }
            if (grad.Length != parameter.Length || !grad.Shape.SequenceEqual(parameter.Shape))
            {
                throw new InvalidOperationException($"Gradient of '{Parameters[i].Key}' has shape {ShapeUtil.Format(grad.Shape)} but the parameter has {ShapeUtil.Format(parameter.Shape)}.");
            }
            Update(i, parameter.Span, grad.Span);
        }
    }

    /// <summary>Drops the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.Value.ZeroGrad();
        }
    }

    /// <summary>Updates parameter number <paramref name="index"/> in place from its gradient; <see cref="StepCount"/> already counts this step.</summary>
    /// <param name="index">Index into <see cref="Parameters"/>.</param>
    /// <param name="parameter">The parameter's values.</param>
    /// <param name="gradient">Its gradient, of the same length.</param>
    protected abstract void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient);

    /// <summary>
    /// The per-parameter buffers as (kind, buffer per parameter in <see cref="Parameters"/> order); exported
    /// as <c>prefix.kind.parameterName</c>.
    /// </summary>
    protected abstract IEnumerable<(string Kind, IReadOnlyList<Tensor> Buffers)> StateBuffers();

    /// <summary>
    /// The optimizer state: <c>prefix.step</c> (a scalar holding <see cref="StepCount"/>) and one tensor per
    /// buffer and parameter, named <c>prefix.kind.parameterName</c>. The buffers are the optimizer's own
    /// tensors, not copies: save them before the next <see cref="Step"/>.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors()
    {
        if (StepCount > MaxExportableStepCount)
        {
            throw new InvalidOperationException($"Step count {StepCount} exceeds {MaxExportableStepCount}, the largest a float32 state tensor holds exactly.");
        }
        var list = new List<KeyValuePair<string, Tensor>> { new(StepName, Tensor.Scalar(StepCount)) };
        foreach (var (kind, buffers) in StateBuffers())
        {
            for (int i = 0; i < Parameters.Count; i++)
            {
                list.Add(new($"{StatePrefix}.{kind}.{Parameters[i].Key}", buffers[i]));
            }
        }
        return list;
    }

    private string StepName => StatePrefix + ".step";

    /// <summary>
    /// Restores the state exported by <see cref="StateTensors"/> (for example after a round trip through a
    /// checkpoint). Names that do not start with <c>prefix.</c> are ignored, so the same list may also hold
    /// model parameters. Every expected tensor must be present with the right shape, and no unknown
    /// <c>prefix.</c> name may appear; nothing is modified when a check fails.
    /// </summary>
    /// <param name="state">Name/tensor pairs.</param>
    public void LoadState(IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in state)
        {
            if (name.StartsWith(StatePrefix + ".", StringComparison.Ordinal) && !byName.TryAdd(name, tensor))
            {
                throw new ArgumentException($"State tensor '{name}' appears twice.", nameof(state));
            }
        }
        var expected = StateTensors().ToList();
        var problems = new List<string>();
        foreach (var (name, own) in expected)
        {
            if (!byName.TryGetValue(name, out var given))
            {
                problems.Add($"missing '{name}'");
            }
            else if (!given.Shape.SequenceEqual(own.Shape))
            {
                problems.Add($"'{name}' has shape {ShapeUtil.Format(given.Shape)} but {ShapeUtil.Format(own.Shape)} is expected");
            }
        }
        var expectedNames = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var name in byName.Keys)
        {
            if (!expectedNames.Contains(name))
            {
                problems.Add($"unexpected '{name}'");
            }
        }
        float step = problems.Count == 0 ? byName[StepName].Item() : 0;
        if (problems.Count == 0 && (!float.IsInteger(step) || step < 0 || step > MaxExportableStepCount))
        {
            problems.Add($"'{StepName}' holds {step}, not a step count");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Optimizer state does not match this {GetType().Name}: {string.Join("; ", problems.Take(8))}{(problems.Count > 8 ? $"; and {problems.Count - 8} more" : string.Empty)}.", nameof(state));
        }
        foreach (var (name, own) in expected)
        {
            if (name != StepName)
            {
                byName[name].Span.CopyTo(own.Span);
            }
        }
        StepCount = (int)step;
    }
}
