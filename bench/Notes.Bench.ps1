#requires -Version 7.4
<#
.SYNOPSIS
    Benchmarks next-version + notes since the last tag, and the full changelog of all history, against
    git-cliff and conventional-changelog on generated Conventional-Commit repositories.
.DESCRIPTION
    For each size (1k / 10k / 100k commits by default) bench/New-ConventionalRepository.ps1 writes a
    deterministic repository (cached under <OutputPath>/repos). Then, on the same repository:
      next : Get-X0ReleaseNote (next version + notes since the last tag)
             git-cliff --unreleased --bump ; conventional-changelog -p angular (latest release only)
      full : Get-X0ReleaseNote -All (every release, Markdown rendered)
             git-cliff (whole history) ; conventional-changelog -p angular -r 0
    x0tta6bl4 is timed in-session (Measure-Command in this warm pwsh, best of -Runs after a warm-up)
    and as a whole process (a fresh pwsh that imports the module and runs the cmdlet). Peers run as
    whole processes (they have no session). Peak memory: GNU time's maximum resident set size for
    processes; the session's peak working set for in-session runs. The report is a table of times,
    ratios against git-cliff's whole process, and peak memory (out/bench/notes.md and notes.json).
    GitVersion (dotnet tool GitVersion.Tool) is not served by the package feed here, so it is not measured.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [int[]] $Sizes = @(1000, 10000, 100000),
    [int] $Runs = 5,
    # Peers slower than this per run are stopped and reported as timed out.
    [int] $TimeoutSeconds = 600,
    # Which tools to run (the peers' full history on 100k commits takes minutes; re-measure ours alone with -Tools x0).
    [ValidateSet('x0', 'git-cliff', 'conventional-changelog')]
    [string[]] $Tools = @('x0', 'git-cliff', 'conventional-changelog')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$root = Split-Path $PSScriptRoot
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)
$toolsDir = Join-Path $OutputPath 'tools'
$repos = Join-Path $OutputPath 'repos'
New-Item -ItemType Directory -Force -Path $toolsDir, $repos | Out-Null

# --- peers ------------------------------------------------------------------------------------------
$cliff = Join-Path $toolsDir 'node_modules/git-cliff-linux-x64/bin/git-cliff'
$conventional = Join-Path $toolsDir 'node_modules/conventional-changelog-cli/cli.js'
if (-not (Test-Path $cliff) -or -not (Test-Path (Join-Path $toolsDir 'node_modules/conventional-changelog-cli'))) {
    Write-Host "    installing git-cliff and conventional-changelog-cli into $toolsDir (npm)"
    if (-not (Test-Path (Join-Path $toolsDir 'package.json'))) { Set-Content (Join-Path $toolsDir 'package.json') '{ "private": true }' }
    & npm install --prefix $toolsDir --no-audit --no-fund --silent git-cliff@2.14.2 conventional-changelog-cli@5.0.0 conventional-changelog-angular | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'npm install of the peer tools failed' }
}
if (-not (Test-Path $conventional)) {
    $pkg = Get-Content (Join-Path $toolsDir 'node_modules/conventional-changelog-cli/package.json') -Raw | ConvertFrom-Json
    $bin = if ($pkg.bin -is [string]) { $pkg.bin } else { @($pkg.bin.PSObject.Properties.Value)[0] }
    $conventional = Join-Path $toolsDir "node_modules/conventional-changelog-cli/$bin"
}
$cliffVersion = (& $cliff --version) -join ''
$node = (Get-Command node).Source
$gnuTime = if (Test-Path /usr/bin/time) { '/usr/bin/time' } else { $null }

function Invoke-Measured {
    <# Runs a process (in $WorkingDirectory, output to a file), returns seconds and peak RSS (MB). #>
    param([string] $File, [string[]] $Arguments, [string] $WorkingDirectory, [string] $Output)
    $psi = [System.Diagnostics.ProcessStartInfo]::new()
    if ($gnuTime) {
        $psi.FileName = $gnuTime
        foreach ($a in @('-f', 'X0PEAK %M %U %S', '-o', "$Output.time", $File) + $Arguments) { $psi.ArgumentList.Add($a) }
    } else {
        $psi.FileName = $File
        foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['NO_COLOR'] = '1'
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
        $p.Kill($true)
        return [pscustomobject]@{ Seconds = [double]::NaN; PeakMB = [double]::NaN; Exit = 'timeout' }
    }
    $sw.Stop()
    [System.IO.File]::WriteAllText($Output, $out.Result)
    $peak = [double]::NaN
    $cpu = [double]::NaN
    if ($gnuTime -and (Test-Path "$Output.time")) {
        $line = Get-Content "$Output.time" | Where-Object { $_ -match '^X0PEAK ' } | Select-Object -Last 1
        if ($line -match '^X0PEAK (\d+) ([0-9.]+) ([0-9.]+)') { $peak = [double]$Matches[1] / 1024; $cpu = [double]$Matches[2] + [double]$Matches[3] }
    }
    [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; PeakMB = $peak; CpuSeconds = $cpu; Exit = $p.ExitCode; Stderr = $err.Result }
}

function Measure-Best([scriptblock] $Run, [int] $Count) {
    $best = $null
    for ($i = 0; $i -lt $Count; $i++) {
        $r = & $Run
        if ($r.Exit -eq 'timeout') { return $r }
        if ($null -eq $best -or $r.Seconds -lt $best.Seconds) { $best = $r }
    }
    $best
}

$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath -Force
$pwshArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-Command')
$results = [System.Collections.Generic.List[object]]::new()

foreach ($size in $Sizes) {
    $repo = Join-Path $repos "cc-$size"
    if (-not (Test-Path (Join-Path $repo '.git/x0-manifest.json'))) {
        Write-Host "    generating $size commits ($repo)"
        & (Join-Path $PSScriptRoot 'New-ConventionalRepository.ps1') -Path $repo -Commits $size -TagEvery 200 -Force | Out-Null
        & git -C $repo repack -adq
    }
    $commits = [int](& git -C $repo rev-list --count HEAD)
    $tags = @(& git -C $repo tag).Count
    # Fewer repetitions where one run takes long; the peers' full history on 100k takes minutes.
    $runs = if ($size -ge 100000) { 1 } elseif ($size -ge 10000) { [Math]::Min($Runs, 3) } else { $Runs }
    $tmp = Join-Path $OutputPath "out-$size"
    New-Item -ItemType Directory -Force -Path $tmp | Out-Null

    foreach ($scenario in 'next', 'full') {
        Write-Host "    $size commits / $tags tags: $scenario"
        $all = $scenario -eq 'full'
        # In-session: warm once, then best of N.
        $null = if ($all) { Get-X0ReleaseNote -All -Path $repo | ForEach-Object Markdown } else { Get-X0ReleaseNote -Path $repo | ForEach-Object Markdown }
        [GC]::Collect()
        $inSession = [double]::MaxValue
        $inSessionCpu = [double]::MaxValue
        $sessionRuns = [Math]::Max($runs, 3)
        $self = [System.Diagnostics.Process]::GetCurrentProcess()
        for ($i = 0; $i -lt $sessionRuns; $i++) {
            $script:md = $null
            $self.Refresh(); $cpu0 = $self.TotalProcessorTime
            $t = Measure-Command {
                if ($all) { $script:md = Get-X0ReleaseNote -All -Path $repo | ForEach-Object Markdown } else { $script:md = Get-X0ReleaseNote -Path $repo | ForEach-Object Markdown }
            }
            $self.Refresh()
            $inSession = [Math]::Min($inSession, $t.TotalSeconds)
            $inSessionCpu = [Math]::Min($inSessionCpu, ($self.TotalProcessorTime - $cpu0).TotalSeconds)
        }
        $sessionPeak = [System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB
        $x0Bytes = ($script:md | Measure-Object -Property Length -Sum).Sum

        $none = [pscustomobject]@{ Seconds = [double]::NaN; PeakMB = [double]::NaN; CpuSeconds = [double]::NaN; Exit = 'skipped' }
        $cmd = if ($all) { "Import-Module '$ModulePath'; Get-X0ReleaseNote -All -Path '$repo' | ForEach-Object Markdown" } else { "Import-Module '$ModulePath'; Get-X0ReleaseNote -Path '$repo' | ForEach-Object Markdown" }
        $x0Process = Measure-Best { Invoke-Measured 'dotnet' ($pwshArgs + $cmd) $root (Join-Path $tmp "x0-$scenario.md") } $runs

        $cliffArgs = if ($all) { @('--repository', $repo, '-o', '-') } else { @('--repository', $repo, '--unreleased', '--bump', '-o', '-') }
        $cliffRun = if ($Tools -contains 'git-cliff') { Measure-Best { Invoke-Measured $cliff $cliffArgs $repo (Join-Path $tmp "cliff-$scenario.md") } $runs } else { $none }

        $ccArgs = if ($all) { @($conventional, '-p', 'angular', '-r', '0') } else { @($conventional, '-p', 'angular') }
        $ccRun = if ($Tools -contains 'conventional-changelog') { Measure-Best { Invoke-Measured $node $ccArgs $repo (Join-Path $tmp "cc-$scenario.md") } $runs } else { $none }

        $row = [pscustomobject]@{
            Commits = $commits; Tags = $tags; Scenario = $scenario
            X0InSessionMs = [Math]::Round($inSession * 1000, 1)
            X0InSessionCpuMs = [Math]::Round($inSessionCpu * 1000, 0)
            X0ProcessCpuMs = [Math]::Round($x0Process.CpuSeconds * 1000, 0)
            GitCliffCpuMs = [Math]::Round($cliffRun.CpuSeconds * 1000, 0)
            LoadAverage = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 1
            X0SessionPeakMB = [Math]::Round($sessionPeak, 0)
            X0ProcessMs = [Math]::Round($x0Process.Seconds * 1000, 0)
            X0ProcessPeakMB = [Math]::Round($x0Process.PeakMB, 0)
            GitCliffMs = [Math]::Round($cliffRun.Seconds * 1000, 0)
            GitCliffPeakMB = [Math]::Round($cliffRun.PeakMB, 0)
            ConventionalChangelogMs = if ($ccRun.Exit -eq 'timeout') { 'timeout' } else { [Math]::Round($ccRun.Seconds * 1000, 0) }
            ConventionalChangelogPeakMB = [Math]::Round($ccRun.PeakMB, 0)
            InSessionVsGitCliff = [Math]::Round($cliffRun.Seconds / $inSession, 1)
            ProcessVsGitCliff = [Math]::Round($cliffRun.Seconds / $x0Process.Seconds, 2)
            X0MarkdownChars = $x0Bytes
        }
        $results.Add($row)
        $row | Format-List | Out-String | Write-Host
    }
}

$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add("# Notes benchmark ($(Get-Date -Format 'yyyy-MM-dd HH:mm'), $([Environment]::ProcessorCount) cores, $cliffVersion, conventional-changelog-cli 5.0.0)")
$lines.Add('')
$lines.Add('Ratios are git-cliff whole-process time divided by ours (higher is better for x0tta6bl4). GitVersion.Tool is not served by the package feed here and is not measured.')
$lines.Add('')
$lines.Add('Wall times are the best of the runs; CPU (user + system) is shown too because it moves less than wall time when other work shares the cores (the 1-minute load average at the end of each row says how busy they were).')
$lines.Add('')
$lines.Add('| commits | tags | scenario | x0 in-session ms (CPU) | x0 process ms (CPU) | git-cliff ms (CPU) | conventional-changelog ms | git-cliff / x0 in-session | git-cliff / x0 process | peak MB: x0 session / x0 process / git-cliff / conv-changelog | load |')
$lines.Add('|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|')
foreach ($r in $results) {
    $lines.Add("| $($r.Commits) | $($r.Tags) | $($r.Scenario) | $($r.X0InSessionMs) ($($r.X0InSessionCpuMs)) | $($r.X0ProcessMs) ($($r.X0ProcessCpuMs)) | $($r.GitCliffMs) ($($r.GitCliffCpuMs)) | $($r.ConventionalChangelogMs) | $($r.InSessionVsGitCliff)x | $($r.ProcessVsGitCliff)x | $($r.X0SessionPeakMB) / $($r.X0ProcessPeakMB) / $($r.GitCliffPeakMB) / $($r.ConventionalChangelogPeakMB) | $($r.LoadAverage) |")
}
$report = $lines -join "`n"
Set-Content -Path (Join-Path $OutputPath 'notes.md') -Value $report
$results | ConvertTo-Json | Set-Content -Path (Join-Path $OutputPath 'notes.json')
Write-Host $report
