using FastWeights.Autodiff;
using FastWeights.Layers.Recurrent;
using FastWeights.Nn;
using FastWeights.Tensors;

namespace FastWeights.Models;

/// <summary>
/// The agent of Ba et al. 2016, §5: a recurrent core (<c>recurrent.*</c>, any streaming recurrent layer of the catalog:
/// fast weights, the ReLU RNNs, the LSTM) over the observations, a policy head (<c>policy.*</c>, logits over the
/// actions) and a value head (<c>value.*</c>, the critic's estimate of the return) on each hidden state h(t).
/// <see cref="Forward"/> runs whole episodes with gradients (training); <see cref="Act"/> runs one step without them
/// (playing), giving the same numbers step by step.
/// </summary>
public sealed class ActorCriticNetwork : Module
{
    private readonly Linear policy;
    private readonly Linear value;

    /// <summary>Creates the agent around the layer <paramref name="recurrent"/> builds for <paramref name="observationSize"/> inputs.</summary>
    public ActorCriticNetwork(Rng rng, int observationSize, int actions, Func<Rng, int, RecurrentLayer> recurrent)
    {
        ArgumentNullException.ThrowIfNull(recurrent);
        ObservationSize = observationSize;
        Actions = actions;
        Recurrent = RegisterModule("recurrent", recurrent(rng, observationSize));
        if (!Recurrent.SupportsStreaming)
        {
            throw new ArgumentException($"{Recurrent.GetType().Name} cannot act one step at a time, so it cannot be an agent's core");
        }
        policy = RegisterModule("policy", new Linear(rng, Recurrent.HiddenSize, actions));
        value = RegisterModule("value", new Linear(rng, Recurrent.HiddenSize, 1));
    }

    /// <summary>The recurrent core.</summary>
    public RecurrentLayer Recurrent { get; }

    /// <summary>Values per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Number of actions.</summary>
    public int Actions { get; }

    /// <summary>Policy logits [B, T, actions] and values [B, T, 1] over whole episodes of observations [B, T, observation size].</summary>
    public (Tensor Logits, Tensor Values) Forward(Tensor observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        var h = Recurrent.Forward(observations);
        return (policy.Forward(h), value.Forward(h));
    }

    /// <summary>A zero core state for <paramref name="batch"/> episodes played together.</summary>
    public RecurrentLayerState CreateState(int batch) => Recurrent.CreateStreamingState(batch);

    /// <summary>
    /// One step without gradients: from the observations [B, observation size] updates <paramref name="state"/> and writes
    /// the policy logits [B, actions], the values [B] and the hidden states h(t) [B, R].
    /// </summary>
    public void Act(RecurrentLayerState state, ReadOnlySpan<float> observations, Span<float> logits, Span<float> values, Span<float> hidden)
    {
        ArgumentNullException.ThrowIfNull(state);
        int b = state.Batch;
        if (observations.Length != b * ObservationSize || logits.Length != b * Actions || values.Length != b || hidden.Length != b * Recurrent.HiddenSize)
        {
            throw new ArgumentException($"Act needs [{b}, {ObservationSize}] observations, [{b}, {Actions}] logits, [{b}] values and [{b}, {Recurrent.HiddenSize}] hidden states.");
        }
        using var _ = Tape.NoGrad();
        var x = Tensor.Zeros(b, ObservationSize);
        observations.CopyTo(x.Span);
        Recurrent.Step(state, Recurrent.Project(x).Span, hidden);
        var h = Tensor.Zeros(b, Recurrent.HiddenSize);
        hidden.CopyTo(h.Span);
        policy.Forward(h).Span.CopyTo(logits);
        value.Forward(h).Span.CopyTo(values);
    }
}
