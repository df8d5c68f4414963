using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace X0tta6bl4.Hosting;

/// <summary>
/// Runs on Import-Module: routes the one assembly the cmdlets reference (X0tta6bl4.Core) into the
/// private <see cref="DependencyLoadContext"/>. Only names from the BCL appear in these method
/// bodies: touching a Core type here would make the JIT resolve Core before the hook is in place.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssembly = "X0tta6bl4.Core";
    private static readonly object Gate = new();
    private static DependencyLoadContext? _context;
    private static bool _hooked;

    internal static DependencyLoadContext? Context => _context;

    public void OnImport()
    {
        lock (Gate)
        {
            if (_context is null)
            {
                var moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
                _context = new DependencyLoadContext(Path.Combine(moduleDirectory, "dependencies"));
            }
            if (!_hooked)
            {
                AssemblyLoadContext.Default.Resolving += ResolveEngine;
                _hooked = true;
            }
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // The engine stays loaded (assemblies cannot unload from a non-collectible context) and
        // keeps resolving, so a re-import in the same session finds the same types.
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssembly, StringComparison.Ordinal) || _context is null)
        {
            return null;
        }
        return _context.LoadFromAssemblyName(name);
    }
}
