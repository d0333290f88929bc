namespace HaManager.Simulator;

/// <summary>Placeholder until the YAML format lands.</summary>
public static class YamlScenario
{
    /// <summary>Loads a YAML scenario.</summary>
    public static ScenarioInput Load(string path) => throw new ScenarioLoadException($"YAML scenarios not supported yet: {path}");
}
