using HaManager.Core.Environment;

namespace HaManager.Core.Lrm;

/// <summary>One queued or running resource action of the LRM (lrm-watchdog-env §6).</summary>
internal sealed class LrmJob(ResourceJob spec)
{
    /// <summary>What to do.</summary>
    public ResourceJob Spec { get; } = spec;

    /// <summary>The service.</summary>
    public string Sid => Spec.Sid;

    /// <summary>How often the worker pass tried to start it (fairness order).</summary>
    public int StartTries { get; set; }

    /// <summary>Handed to the job runner and not yet collected: it is neither replaced nor started again.</summary>
    public bool Running { get; set; }
}
