using FastWeights.Tensors;

namespace FastWeights.Nn;

/// <summary>
/// Base class of layers and models: owns parameters and submodules under stable, hierarchical names
/// (for example <c>encoder.embedding.weight</c>), in registration order.
/// </summary>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Tensor>> parameters = [];
    private readonly List<KeyValuePair<string, Module>> modules = [];

    /// <summary>Registers a trainable parameter under <paramref name="name"/> and marks it as requiring a gradient.</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        value.RequiresGrad = true;
        parameters.Add(new(name, value));
        return value;
    }

    /// <summary>Registers a submodule under <paramref name="name"/>; its parameters are named <c>name.param</c>.</summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        CheckName(name);
        modules.Add(new(name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
        {
            throw new ArgumentException($"Invalid name '{name}': names are non-empty and contain no dot.");
        }
        if (parameters.Exists(p => p.Key == name) || modules.Exists(m => m.Key == name))
        {
            throw new ArgumentException($"Name '{name}' is already registered.");
        }
    }

    /// <summary>All parameters with their full dotted names, in a stable order (own first, then submodules').</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters()
    {
        var list = new List<KeyValuePair<string, Tensor>>();
        Collect(string.Empty, list);
        return list;
    }

    private void Collect(string prefix, List<KeyValuePair<string, Tensor>> into)
    {
        foreach (var p in parameters)
        {
            into.Add(new(prefix + p.Key, p.Value));
        }
        foreach (var m in modules)
        {
            m.Value.Collect(prefix + m.Key + ".", into);
        }
    }

    /// <summary>All parameters, in the order of <see cref="NamedParameters"/>.</summary>
    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Value).ToList();

    /// <summary>Total number of scalar parameters.</summary>
    public long ParameterCount() => NamedParameters().Sum(p => (long)p.Value.Length);

    /// <summary>Drops the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in NamedParameters())
        {
            p.Value.ZeroGrad();
        }
    }
}
