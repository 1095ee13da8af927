namespace FastWeights.Models;

/// <summary>The kinds of model in <see cref="ModelCatalog"/>.</summary>
public enum ModelFamily
{
    /// <summary>A recurrent layer with a vector state (and, for fw-rnn, a fast-weight matrix): the models of Ba et al. 2016's comparisons.</summary>
    Recurrent,

    /// <summary>A fast weight programmer: multi-head layers writing a matrix-valued state by a learning rule.</summary>
    FastWeightProgrammer,

    /// <summary>Causal softmax attention, the baseline of the fast weight programmers.</summary>
    Attention,

    /// <summary>A convolutional network over a whole image: the baseline of Ba et al. 2016's Table 2 (image tasks only).</summary>
    ConvNet,
}
