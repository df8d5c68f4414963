#requires -Version 7.4
<#
.SYNOPSIS
    Where the time of a cold `Import-Module x0tta6bl4; Step-X0Version -Patch -WhatIf` goes: the
    methods the JIT compiles, grouped by namespace, with the JIT time of each group.
.DESCRIPTION
    Listens to the runtime's own JIT events (an in-process EventListener) while importing the module
    and running one bump, in this process, so run it in a new pwsh:
        dotnet pwsh -NoProfile -File bench/Trace-FirstBump.ps1 -ModulePath out/x0tta6bl4/<version>/x0tta6bl4.psd1
    The listener slows the process down: compare groups and counts between builds, not the times
    with bench results. "dynamic" are run-time generated methods (P/Invoke marshalling stubs,
    PowerShell call sites, compiled regexes, expression trees).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # The project to bump (default: a temp git copy of samples/python-project).
    [string] $Path,
    # How many of the slowest single methods to list.
    [int] $Top = 25
)
$ErrorActionPreference = 'Stop'

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
if (Get-Module x0tta6bl4) { throw 'x0tta6bl4 is already imported in this session: run this script in a new pwsh.' }

Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;

public sealed class X0JitMethod
{
    public X0JitMethod(string name, double ms) { Name = name; Ms = ms; }
    public string Name { get; }
    public double Ms { get; }
}

public sealed class X0JitTrace : EventListener
{
    private readonly Dictionary<long, (string Name, DateTime Start)> _open = new();
    private readonly List<X0JitMethod> _done = new();
    public volatile bool Recording;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Keyword 0x10: JIT events of the CLR's runtime provider.
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Recording || e.EventName is null || e.Payload is null || e.PayloadNames is null) return;
        if (e.EventName.StartsWith("MethodJittingStarted", StringComparison.Ordinal))
        {
            var ns = e.Payload[e.PayloadNames.IndexOf("MethodNamespace")] as string ?? "?";
            var name = e.Payload[e.PayloadNames.IndexOf("MethodName")] as string ?? "?";
            lock (_open) _open[Convert.ToInt64(e.Payload[0])] = (ns + "::" + name, e.TimeStamp);
        }
        else if (e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal))
        {
            (string Name, DateTime Start) started;
            lock (_open) { if (!_open.Remove(Convert.ToInt64(e.Payload[0]), out started)) return; }
            lock (_done) _done.Add(new X0JitMethod(started.Name, (e.TimeStamp - started.Start).TotalMilliseconds));
        }
    }

    public IReadOnlyList<X0JitMethod> Take()
    {
        lock (_done) { var copy = _done.ToList(); _done.Clear(); return copy; }
    }
}
'@

function Get-Group([string] $Name) {
    $ns = $Name.Split('::')[0]
    if ($ns -like 'dynamicClass*') { return 'dynamic' }
    $parts = $ns.Split('.')
    if ($parts.Count -ge 2) { "$($parts[0]).$($parts[1])" } else { $ns }
}

function Show-Phase([string] $Title, [double] $Ms, $Methods) {
    Write-Host ''
    Write-Host ("{0}: {1:N0} ms wall, {2} methods JIT-compiled, {3:N1} ms in the JIT" -f $Title, $Ms, $Methods.Count, ($Methods | Measure-Object Ms -Sum).Sum)
    $Methods | Group-Object { Get-Group $_.Name } | ForEach-Object {
        [pscustomobject]@{ Namespace = $_.Name; Methods = $_.Count; JitMs = [math]::Round(($_.Group | Measure-Object Ms -Sum).Sum, 1) }
    } | Sort-Object JitMs -Descending | Select-Object -First 15 | Format-Table -AutoSize | Out-Host
}

$cleanup = $null
if (-not $Path) {
    $Path = Join-Path ([System.IO.Path]::GetTempPath()) "x0-trace-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $cleanup = $Path
    New-Item -ItemType Directory -Path $Path | Out-Null
    Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot '../samples/python-project') -Force | Copy-Item -Destination $Path -Recurse
    & git -C $Path init -q -b main
    & git -C $Path -c user.name=trace -c user.email=trace@x0tta6bl4.invalid add -A
    & git -C $Path -c user.name=trace -c user.email=trace@x0tta6bl4.invalid commit -q -m 'feat: import'
    & git -C $Path config user.name trace
    & git -C $Path config user.email trace@x0tta6bl4.invalid
}

try {
    $trace = [X0JitTrace]::new()
    Start-Sleep -Milliseconds 200   # let the listener attach before recording
    $trace.Recording = $true
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    Import-Module $ModulePath
    $importMs = $sw.Elapsed.TotalMilliseconds
    $import = $trace.Take()
    $sw.Restart()
    Step-X0Version -Patch -WhatIf -Path $Path 6>$null
    $bumpMs = $sw.Elapsed.TotalMilliseconds
    $bump = $trace.Take()
    $trace.Recording = $false

    Show-Phase 'Import-Module' $importMs $import
    Show-Phase 'First Step-X0Version -Patch -WhatIf' $bumpMs $bump
    Write-Host "Slowest single methods (both phases):"
    @($import) + @($bump) | Sort-Object Ms -Descending | Select-Object -First $Top |
        ForEach-Object { '{0,8:N2} ms  {1}' -f $_.Ms, $_.Name } | Out-Host
    $engine = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'x0tta6bl4' |
        ForEach-Object { $_.Assemblies } | Where-Object { $_.GetName().Name -eq 'X0tta6bl4.Core' }
    Write-Host "Engine loaded from: $($engine.Location)"
} finally {
    if ($cleanup) { Remove-Item -LiteralPath $cleanup -Recurse -Force -ErrorAction SilentlyContinue }
}
