using FastWeights.Optim;

namespace FastWeights.Training;

/// <summary>
/// The one training loop, which every command that trains runs (<c>train</c>, <c>reproduce</c> through it, both
/// <c>capacity</c> protocols): from a first step to <see cref="Steps"/>, set the learning rate from the schedule, take
/// one step (the caller's batch and loss, through an <see cref="OptimizationStep"/>), stop if its loss is not finite
/// or has risen far above its best for long (<see cref="Divergence"/>),
/// report it, validate every <see cref="EvalEvery"/> steps (a validation may end the run early), checkpoint every
/// <see cref="SaveEvery"/> steps, and on cancellation finish the step, checkpoint and stop.
/// </summary>
public sealed class TrainingLoop
{
    /// <summary>The optimizer whose learning rate the schedule sets before each step.</summary>
    public required Optimizer Optimizer { get; init; }

    /// <summary>The learning rate of each step.</summary>
    public required ILearningRateSchedule Schedule { get; init; }

    /// <summary>Steps of the whole run.</summary>
    public required int Steps { get; init; }

    /// <summary>Takes step <c>s</c> (0-based: the number of steps already taken) and returns what it measured.</summary>
    public required Func<int, TrainingStepResult> Step { get; init; }

    /// <summary>Called after each step that updated, with the number of steps taken and the step's result.</summary>
    public Action<int, TrainingStepResult>? Completed { get; init; }

    /// <summary>Steps between validations.</summary>
    public int EvalEvery { get; init; } = int.MaxValue;

    /// <summary>Whether the last step validates too when <see cref="Steps"/> is not a multiple of <see cref="EvalEvery"/>.</summary>
    public bool ValidateAtEnd { get; init; }

    /// <summary>Validates after the given number of steps; returns true to end the run there (early stopping).</summary>
    public Func<int, bool>? Validate { get; init; }

    /// <summary>Steps between checkpoints (which are also written after the last step and on cancellation).</summary>
    public int SaveEvery { get; init; } = int.MaxValue;

    /// <summary>The rule that ends a run whose finite loss has risen far above its best (none when null); see <see cref="DivergenceRule"/>.</summary>
    public DivergenceRule? Divergence { get; init; }

    /// <summary>Writes a checkpoint after the given number of steps; none when null.</summary>
    public Action<int>? Save { get; init; }

    /// <summary>Runs from <paramref name="firstStep"/> steps taken until the run ends; returns how and where it ended.</summary>
    public (TrainingLoopEnd End, int Step, TrainingStepResult Last) Run(int firstStep, CancellationToken cancel = default)
    {
        int step = firstStep;
        TrainingStepResult last = default;
        while (step < Steps)
        {
            Optimizer.LearningRate = Schedule.At(step);
            last = Step(step);
            if (!last.Updated)
            {
                return (TrainingLoopEnd.Diverged, step, last);
            }
            step++;
            Completed?.Invoke(step, last);
            if (Divergence?.Observe(last.Loss) == true)
            {
                // The step was taken, but nothing after the last checkpoint is saved.
                return (TrainingLoopEnd.Diverged, step, last);
            }

            bool stopEarly = false;
            if (Validate is not null && (step % EvalEvery == 0 || (ValidateAtEnd && step == Steps)))
            {
                stopEarly = Validate(step);
            }
            bool stopping = cancel.IsCancellationRequested;
            if (Save is not null && (step % SaveEvery == 0 || step == Steps || stopping))
            {
                Save(step);
            }
            if (stopEarly)
            {
                return (TrainingLoopEnd.StoppedEarly, step, last);
            }
            if (stopping && step < Steps)
            {
                return (TrainingLoopEnd.Interrupted, step, last);
            }
        }
        return (TrainingLoopEnd.Completed, step, last);
    }
}
