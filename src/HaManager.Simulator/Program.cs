using HaManager.Simulator;

return SimulatorCli.Execute(args, Console.Out, Console.Error);
