namespace FastWeights.Training;

/// <summary>The settings of the language-modelling task (<see cref="Tasks.LanguageModelling.LanguageModelTask"/>), part of a run's configuration; the task checks them.</summary>
public sealed partial record TrainingConfig
{
    /// <summary>The text file a language model is trained on.</summary>
    [Setting("--data", SettingPart.Task, "Text file to model (any bytes; 'fastweights data prepare bible' writes one); split 90/5/5 in file order", Scope = "lm", Since = 3)]
    public string? DataFile { get; init; }

    /// <summary>Tokens per training window (the context T).</summary>
    [Setting("--context", SettingPart.Task, "Tokens per window T (training windows at random offsets; evaluation over non-overlapping windows)", Scope = "lm", Since = 3)]
    public int Context { get; init; } = 256;

    /// <summary>
    /// Whether training and evaluation run over consecutive windows, each starting from the fast-weight state the previous
    /// window of its stream left (truncated backpropagation through time: the gradient stops at the window boundary).
    /// </summary>
    [Setting("--carry-state", SettingPart.Task, "Train and evaluate on consecutive windows, each from the state the previous one left (TBPTT; fast weight programmers only) (true/false)", Scope = "lm", Since = 4)]
    public bool CarryState { get; init; }

    /// <summary>How the text becomes tokens (<see cref="Tasks.LanguageModelling.TextTokenizers"/>).</summary>
    [Setting("--tokenizer", SettingPart.Task, "Tokens of the text: byte (UTF-8 bytes, 256 ids), char (the characters of the training split, one more id for unknown ones), gpt2 (GPT-2's BPE, 50,257 ids), or hf:DIR (the tokenizer files of a Hugging Face model directory: tokenizer.model, vocab.json + merges.txt or tokenizer.json; what 'import fla' writes)", Scope = "lm", Since = 5)]
    public string Tokenizer { get; init; } = "byte";
}
