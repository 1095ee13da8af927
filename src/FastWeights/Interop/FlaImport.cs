using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastWeights.Models;
using FastWeights.Serialization;
using FastWeights.Tasks;
using FastWeights.Tasks.LanguageModelling;
using FastWeights.Tensors;
using FastWeights.Training;

namespace FastWeights.Interop;

/// <summary>
/// Reads a DeltaNet or Gated DeltaNet language model as flash-linear-attention (fla) saves it, a Hugging Face
/// directory (<c>config.json</c>, <c>model.safetensors</c> or shards with <c>model.safetensors.index.json</c>, the
/// tokenizer files), into a run directory of this library: the same model under <c>--conventions fla</c>
/// (docs/interop.md gives the correspondence of settings and tensor names).
/// </summary>
public static class FlaImport
{
    /// <summary>The directory of the run the tokenizer files are copied to.</summary>
    public const string TokenizerDirectory = "tokenizer";

    private static readonly string[] TokenizerFiles = ["tokenizer.model", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>
    /// The configuration of this library that describes the model of fla's <c>config.json</c> (<paramref name="fla"/>),
    /// or an <see cref="ArgumentException"/> naming the first setting this library does not implement.
    /// </summary>
    public static TrainingConfig Configuration(JsonObject fla, string tokenizer)
    {
        ArgumentNullException.ThrowIfNull(fla);
        string type = Get(fla, "model_type", "");
        bool gated = type switch
        {
            "delta_net" => false,
            "gated_deltanet" => true,
            _ => throw new ArgumentException($"model_type '{type}' is not one 'import fla' reads (delta_net, gated_deltanet)"),
        };
        int hidden = Get(fla, "hidden_size", 2048);
        int heads = Get(fla, "num_heads", gated ? 6 : 16);
        // Settings whose other values this library does not implement (fla's defaults are the implemented ones).
        Refuse<string?>(fla, "attn", null, "hybrid models with softmax-attention layers");
        Refuse<string?>(fla, "attnres_block_size", null, "attention-residual blocks");
        Refuse(fla, "allow_neg_eigval", false, "β ∈ (0, 2)");
        Refuse(fla, "conv_size", 4, "a short convolution of other than 4 taps");
        Refuse(fla, "use_gate", gated, gated ? "Gated DeltaNet without its output gate" : "DeltaNet with an output gate");
        if (!gated)
        {
            Refuse(fla, "use_beta", true, "DeltaNet without β");
            Refuse(fla, "qk_norm", "l2", "q, k normalised otherwise than by L2");
            Refuse(fla, "qk_activation", "silu", "q, k activations other than SiLU");
        }
        else if (fla["num_v_heads"] is JsonValue nv && nv.GetValue<int>() != heads)
        {
            throw new ArgumentException($"num_v_heads {nv} ≠ num_heads {heads} (grouped value heads) is not implemented");
        }
        string act = Get(fla, "hidden_act", "swish");
        if (act is not ("swish" or "silu"))
        {
            throw new ArgumentException($"hidden_act '{act}' is not implemented (the MLP is SwiGLU)");
        }
        int keyDim, valueDim;
        if (gated)
        {
            keyDim = Get(fla, "head_dim", 256);
            valueDim = (int)(keyDim * Get(fla, "expand_v", 2.0));
        }
        else
        {
            int dk = (int)(hidden * Get(fla, "expand_k", 1.0)), dv = (int)(hidden * Get(fla, "expand_v", 1.0));
            if (dk % heads != 0 || dv % heads != 0)
            {
                throw new ArgumentException($"key size {dk} and value size {dv} must divide by num_heads {heads}");
            }
            (keyDim, valueDim) = (dk / heads, dv / heads);
        }
        // fla's GatedMLP: intermediate_size, or ⌈⌊(2/3)·ratio·D⌋ / 256⌉ · 256 with ratio = hidden_ratio (4 when null).
        int mlp = fla["intermediate_size"] is JsonValue i ? i.GetValue<int>()
            : LayerConventionsExtensions.FlaMlpSize(hidden, fla["hidden_ratio"] is JsonValue r ? r.GetValue<double>() : 4.0);
        return new TrainingConfig
        {
            Model = gated ? "gated-deltanet" : "deltanet",
            Task = "lm",
            DataFile = null,
            Tokenizer = tokenizer,
            DModel = hidden,
            Layers = Get(fla, "num_hidden_layers", gated ? 21 : 24),
            Heads = heads,
            MlpRatio = 4,
            MlpSize = mlp,
            ShortConv = Get(fla, "use_short_conv", true),
            Conventions = "fla",
            KeyDim = keyDim,
            ValueDim = valueDim,
            NormEps = (float)Get(fla, "norm_eps", 1e-6),
        };
    }

    /// <summary>
    /// The name of this library's tensor for fla's <paramref name="name"/> (<c>model.layers.{i}.attn.q_proj.weight</c> →
    /// <c>blocks.{i}.mixer.q_proj.weight</c>, …), or null when it has none.
    /// </summary>
    public static string? OurName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case "model.embeddings.weight": return "embedding.weight";
            case "model.norm.weight": return "final_norm.weight";
            case "lm_head.weight": return "head.weight";
        }
        const string layers = "model.layers.";
        if (!name.StartsWith(layers, StringComparison.Ordinal))
        {
            return null;
        }
        int dot = name.IndexOf('.', layers.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(layers.Length, dot - layers.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
        {
            return null;
        }
        string rest = name[(dot + 1)..];
        string? ours = rest switch
        {
            "attn_norm.weight" => "mixer_norm.weight",
            "mlp_norm.weight" => "mlp_norm.weight",
            "mlp.gate_proj.weight" or "mlp.up_proj.weight" or "mlp.down_proj.weight" => rest,
            "attn.q_proj.weight" or "attn.k_proj.weight" or "attn.v_proj.weight" or "attn.g_proj.weight" or "attn.o_proj.weight" or "attn.A_log" or "attn.dt_bias"
                => "mixer." + rest["attn.".Length..].Replace("o_proj", "out_proj", StringComparison.Ordinal),
            "attn.b_proj.weight" => "mixer.beta_proj.weight",
            "attn.a_proj.weight" => "mixer.alpha_proj.weight",
            "attn.o_norm.weight" => "mixer.out_norm.weight",
            "attn.q_conv1d.weight" => "mixer.q_conv.weight",
            "attn.k_conv1d.weight" => "mixer.k_conv.weight",
            "attn.v_conv1d.weight" => "mixer.v_conv.weight",
            _ => null,
        };
        return ours is null ? null : $"blocks.{layer}.{ours}";
    }

    /// <summary>The tensors of fla's checkpoint in <paramref name="modelDirectory"/>: <c>model.safetensors</c>, or the shards its index names.</summary>
    public static IReadOnlyDictionary<string, Tensor> ReadTensors(string modelDirectory)
    {
        string single = Path.Combine(modelDirectory, "model.safetensors");
        string index = Path.Combine(modelDirectory, "model.safetensors.index.json");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        IEnumerable<string> files;
        if (File.Exists(single))
        {
            files = [single];
        }
        else if (File.Exists(index))
        {
            var map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"]?.AsObject()
                ?? throw new FormatException($"{index}: no weight_map");
            files = map.Select(kv => kv.Value!.GetValue<string>()).Distinct(StringComparer.Ordinal).Select(f => Path.Combine(modelDirectory, f));
        }
        else
        {
            throw new FileNotFoundException($"'{modelDirectory}' has neither model.safetensors nor model.safetensors.index.json");
        }
        foreach (string file in files)
        {
            foreach (var (name, tensor) in SafeTensorsFile.Load(file).Tensors)
            {
                if (!tensors.TryAdd(name, tensor))
                {
                    throw new FormatException($"tensor '{name}' is in more than one shard");
                }
            }
        }
        return tensors;
    }

    /// <summary>
    /// Imports fla's model in <paramref name="modelDirectory"/> into the new run directory <paramref name="runDirectory"/>:
    /// its configuration, its tokenizer files (under <see cref="TokenizerDirectory"/>, unless <paramref name="tokenizer"/>
    /// names one of this library's), and its weights under this library's names. Nothing is written unless every
    /// tensor fits.
    /// </summary>
    /// <returns>The configuration written and the number of parameters.</returns>
    public static (TrainingConfig Config, long Parameters) Import(string modelDirectory, string runDirectory, string? tokenizer = null)
    {
        string configPath = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"'{modelDirectory}' has no config.json (a Hugging Face model directory as fla saves it)");
        }
        if (Directory.Exists(runDirectory) && Directory.EnumerateFileSystemEntries(runDirectory).Any())
        {
            throw new ArgumentException($"--out '{runDirectory}' exists and is not empty; choose a new run directory");
        }
        var fla = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new FormatException($"{configPath}: not a JSON object");
        string tokenizerDir = Path.Combine(runDirectory, TokenizerDirectory);
        var config = Configuration(fla, tokenizer ?? TextTokenizers.HuggingFacePrefix + tokenizerDir);
        config.Validate();
        if (tokenizer is null && !HuggingFaceTokenizer.HasFiles(modelDirectory))
        {
            throw new ArgumentException($"'{modelDirectory}' has no tokenizer files (tokenizer.model, vocab.json + merges.txt, tokenizer.json); give one of --tokenizer {string.Join(", ", TextTokenizers.Names.Where(n => n != "char"))}");
        }
        var source = ReadTensors(modelDirectory);

        // Build the model and fill it before anything is written; the tokenizer is read from the source directory.
        var build = tokenizer is null ? config with { Tokenizer = TextTokenizers.HuggingFacePrefix + modelDirectory } : config;
        var task = (LanguageModelTask)TaskCatalog.Create(build);
        int vocab = Get(fla, "vocab_size", 32000);
        if (task.Vocabulary != vocab)
        {
            throw new ArgumentException($"the tokenizer has {task.Vocabulary} ids and the model's vocab_size is {vocab}");
        }
        var model = ModelCatalog.Find(config.Model).Create(build, task, new Rng(config.Seed));
        var targets = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var filled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in source)
        {
            string ours = OurName(name) ?? throw new ArgumentException($"tensor '{name}' of the checkpoint has no counterpart in {config.Model} (docs/interop.md lists the names)");
            if (!targets.TryGetValue(ours, out var target))
            {
                throw new ArgumentException($"tensor '{name}' of the checkpoint ({ours}) is not a parameter of this {config.Model}: config.json and the weights disagree");
            }
            // fla's depthwise convolution weights are [C, 1, K]; ours [C, K], the same taps in the same order.
            int[] shape = name.EndsWith("conv1d.weight", StringComparison.Ordinal) && tensor.Rank == 3 && tensor.Dim(1) == 1 ? [tensor.Dim(0), tensor.Dim(2)] : tensor.Shape.ToArray();
            if (!shape.SequenceEqual(target.Shape.ToArray()))
            {
                throw new ArgumentException($"tensor '{name}' is [{string.Join(", ", tensor.Shape.ToArray())}]; {config.Model} with this config.json needs [{string.Join(", ", target.Shape.ToArray())}] for {ours}");
            }
            tensor.Span.CopyTo(target.Span);
            filled.Add(ours);
        }
        if (!filled.Contains("head.weight") && Get(fla, "tie_word_embeddings", false) && filled.Contains("embedding.weight"))
        {
            targets["embedding.weight"].Span.CopyTo(targets["head.weight"].Span);
            filled.Add("head.weight");
        }
        var missing = targets.Keys.Where(k => !filled.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"the checkpoint lacks {missing.Count} tensor(s) of {config.Model}, first {missing[0]}");
        }

        Directory.CreateDirectory(runDirectory);
        if (tokenizer is null)
        {
            Directory.CreateDirectory(tokenizerDir);
            foreach (string f in TokenizerFiles.Append("config.json").Where(f => File.Exists(Path.Combine(modelDirectory, f))))
            {
                File.Copy(Path.Combine(modelDirectory, f), Path.Combine(tokenizerDir, f), overwrite: true);
            }
        }
        var meta = new Dictionary<string, string> { ["imported_from"] = "fla", ["fla_model_type"] = Get(fla, "model_type", ""), ["config"] = config.ToJson() };
        ModuleCheckpoint.Save(model, Path.Combine(runDirectory, RunDirectory.ModelFile), meta);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, RunDirectory.ConfigFile), config.ToJson() + "\n");
        return (config, model.Parameters().Sum(p => (long)p.Length));
    }

    private static T Get<T>(JsonObject json, string key, T fallback) =>
        json[key] is JsonValue v ? v.GetValue<T>() : fallback;

    private static void Refuse<T>(JsonObject json, string key, T implemented, string what)
    {
        // Absent or null: fla's default, which is the implemented value.
        var node = json[key];
        if (node is not null && (implemented is null || !JsonNode.DeepEquals(node, JsonValue.Create(implemented))))
        {
            throw new ArgumentException($"{key} = {node?.ToJsonString() ?? "null"}: {what} is not implemented");
        }
    }
}
