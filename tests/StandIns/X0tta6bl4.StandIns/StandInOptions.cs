using System.Globalization;

namespace X0tta6bl4.StandIns;

/// <summary>Command line of the stand-in process.</summary>
internal sealed record StandInOptions(string Mode, int Port, string? ContractDirectory, int? ParentPid)
{
    public static StandInOptions Parse(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "github";
        var port = 0;
        string? contract = null;
        int? parent = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port": port = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--contract": contract = Path.GetFullPath(args[++i]); break;
                case "--parent-pid": parent = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'");
            }
        }
        return new StandInOptions(mode, port, contract, parent);
    }
}
