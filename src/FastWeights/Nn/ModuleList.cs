namespace FastWeights.Nn;

/// <summary>
/// Submodules in order, named by their index: the parameters of item i of a list registered as <c>blocks</c> are
/// <c>blocks.i.…</c>, as PyTorch's <c>nn.ModuleList</c> names them.
/// </summary>
/// <typeparam name="T">The kind of module held.</typeparam>
public sealed class ModuleList<T> : Module
    where T : Module
{
    private readonly T[] items;

    /// <summary>Registers <paramref name="items"/> under the names 0, 1, ….</summary>
    public ModuleList(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        this.items = [.. items];
        for (int i = 0; i < this.items.Length; i++)
        {
            RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), this.items[i]);
        }
    }

    /// <summary>The items in order.</summary>
    public IReadOnlyList<T> Items => items;
}
