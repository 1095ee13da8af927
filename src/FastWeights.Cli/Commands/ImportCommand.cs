using System.CommandLine;
using System.Globalization;
using FastWeights.Interop;

namespace FastWeights.Cli.Commands;

/// <summary><c>fastweights import fla</c>: a DeltaNet or Gated DeltaNet saved by flash-linear-attention as a run directory.</summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var modelDir = new Option<string>("--model-dir") { Description = "The Hugging Face directory fla saved: config.json, model.safetensors (or its shards and model.safetensors.index.json) and the tokenizer files", Required = true }.NonEmptyPath();
        var output = new Option<string>("--out", "-o") { Description = "Run directory to write (new or empty); predict, test --data, generate and inspect use it", Required = true }.NonEmptyPath();
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Use this library's tokenizer (byte or gpt2) instead of the directory's files (tokenizer.model, vocab.json + merges.txt, tokenizer.json)" };
        var fla = new Command("fla", "Import a DeltaNet or Gated DeltaNet language model saved by flash-linear-attention (model_type delta_net or gated_deltanet): the same model under --conventions fla, its weights renamed (docs/interop.md).") { modelDir, output, tokenizer };
        fla.SetAction(p =>
        {
            string dir = p.GetValue(modelDir)!;
            if (!Directory.Exists(dir))
            {
                throw new CliException($"--model-dir '{dir}' is not a directory");
            }
            string? tok = p.GetValue(tokenizer);
            if (tok is not null and not ("byte" or "gpt2"))
            {
                throw new CliException($"--tokenizer '{tok}': give byte or gpt2, or leave it out to use the directory's tokenizer files");
            }
            string run = p.GetValue(output)!;
            var (config, parameters) = FlaImport.Import(dir, run, tok);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {config.Model} (fla conventions): {config.Layers} layers, D = {config.DModel}, {config.Heads} heads of d_k = {config.KeyDim}, d_v = {config.ValueDim}, MLP {config.MlpSize}, {parameters:N0} parameters, tokenizer {config.Tokenizer} -> {run}"));
            stdout.WriteLine($"try: fastweights generate --run {run} --prompt \"...\"");
            return ExitCodes.Ok;
        });
        return new Command("import", "Bring models trained by other libraries in as run directories.") { fla };
    }
}
