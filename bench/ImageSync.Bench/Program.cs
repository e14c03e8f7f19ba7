using ImageSync.Bench;

// Benchmarks print their figures; see bench/README.md for what each measures and its target.
var which = args.FirstOrDefault() ?? "help";
switch (which)
{
    case "scheduling":
        await SchedulingBench.RunAsync(repetitions: 5, sizesFollowTimes: true);
        await SchedulingBench.RunAsync(repetitions: 3, sizesFollowTimes: false);
        break;
    case "throughput":
        ParallelBench.Run(ParallelBench.Throughput, repetitions: 5);
        break;
    case "planner":
        BenchmarkDotNet.Running.BenchmarkRunner.Run<PlannerBench>();
        break;
    case "fleet-size":
        FleetSizeBench.Run(repetitions: 3, args.Length > 1 ? args[1..].Select(int.Parse).ToList() : [1000, 5000]);
        break;
    case "disk":
        await DiskBench.RunAsync();
        break;
    case "footprint":
        FootprintBench.ExtraSyncs = args.Length > 1 ? int.Parse(args[1]) : 0;
        await FootprintBench.RunAsync();
        break;
    case "cron":
        CronNoOpBench.Run(repetitions: 10, others: args[1..]);
        break;
    case "cron-helper":
        HelperCronBench.Run(repetitions: 15);
        break;
    case "connect":
        ConnectBench.Run(nodes: args.Length > 1 ? int.Parse(args[1]) : 100, repetitions: 3);
        break;
    case "daemon-warm":
        DaemonWarmBench.Run(nodes: args.Length > 1 ? int.Parse(args[1]) : 100, syncs: args.Length > 2 ? int.Parse(args[2]) : 5,
            interval: args.Length > 3 ? int.Parse(args[3]) : 40);
        break;
    case "transfer":
        TransferBench.Run(repetitions: args.Length > 1 ? int.Parse(args[1]) : 3);
        break;
    case "failover":
        await FailoverBench.RunAsync(kills: args.Length > 1 ? int.Parse(args[1]) : 5);
        break;
    case "shard":
        await ShardBench.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 3);
        break;
    case "failover-pair":
        await FailoverBench.RunPairAsync();
        break;
    case "bootstrap":
        await FailoverBench.RunBootstrapAsync(runs: args.Length > 1 ? int.Parse(args[1]) : 5);
        break;
    case "parallel":
        ParallelBench.Run(ParallelBench.Parallel, repetitions: 5);
        break;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project bench/ImageSync.Bench -- scheduling | throughput | cron [other-build ...] | parallel | connect [nodes] | daemon-warm [nodes] [syncs] [interval-seconds] | transfer [runs] | failover [kills] | failover-pair | bootstrap [runs] | shard [runs] | planner | footprint [extra-syncs] | disk | fleet-size [nodes ...]");
        return 2;
}
return 0;
