#requires -Version 7.4
<#
.SYNOPSIS
    Benchmarks of the staged module, reported as medians and ratios (see bench/README.md).
.DESCRIPTION
    1. Cold start: new `dotnet pwsh -NoProfile` processes running
         - nothing (`exit`: the bare start-up, subtracted from the others),
         - `Import-Module Microsoft.PowerShell.PSResourceGet` (the yardstick),
         - `Import-Module x0tta6bl4; Step-X0Version -Patch -WhatIf` on a copy of the sample project,
         - and the peer, Debian's `bumpversion` (bump2version 1.0.1), doing the same dry-run bump,
       interleaved round by round so drift in machine load hits every case alike.
    2. History depth: `Step-X0Version -Patch -WhatIf` on generated repositories of 100 and 100,000
       commits (same files, same tag count; cached under <OutputPath>/cache), warm in one session and
       cold in new processes, with bumpversion beside it.
    Every measured command must succeed and leave its repository unchanged (HEAD, refs, status).
    Writes <OutputPath>/results.md and results.json and prints the Markdown.
#>
[CmdletBinding()]
param(
    # The staged module manifest (out/x0tta6bl4/<version>/x0tta6bl4.psd1).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Results and the repository cache (out/bench).
    [Parameter(Mandatory)] [string] $OutputPath,
    # New processes per case for the cold-start measurements (after one discarded warm-up round).
    [ValidateRange(3, 200)] [int] $ColdRuns = 20,
    # Bumps per repository in the warm (one session) history-depth measurement.
    [ValidateRange(3, 1000)] [int] $WarmRuns = 60,
    # Repository sizes for the history-depth comparison; the first is the reference.
    [ValidateCount(2, 10)] [int[]] $CommitCounts = @(100, 100000),
    [string] $SamplePath = (Join-Path $PSScriptRoot '../samples/python-project'),
    # Leave the peer out even when bumpversion is installed.
    [switch] $SkipPeer
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path   # holds the dotnet tool manifest
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$SamplePath = (Resolve-Path -LiteralPath $SamplePath).Path
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).Path
$CacheRoot = Join-Path $OutputPath 'cache'
$Temp = Join-Path ([System.IO.Path]::GetTempPath()) "x0-bench-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
New-Item -ItemType Directory -Force -Path $Temp, $CacheRoot | Out-Null
$Dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
$Bumpversion = if ($SkipPeer) { $null } else { Get-Command bumpversion -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Source }
$Marker = 'X0BENCH='

# Import by name, as users do: the staged layout is <root>/x0tta6bl4/<version>/x0tta6bl4.psd1, so
# <root> goes first on PSModulePath for the x0tta6bl4 processes (PSResourceGet is found in $PSHOME).
$ModuleFolder = Split-Path -Parent (Split-Path -Parent $ModulePath)
if ((Split-Path -Leaf $ModuleFolder) -eq 'x0tta6bl4') {
    $ImportTarget = 'x0tta6bl4'
    $X0Environment = @{ PSModulePath = (Split-Path -Parent $ModuleFolder) + [System.IO.Path]::PathSeparator + $env:PSModulePath }
} else {
    $ImportTarget = "'" + $ModulePath.Replace("'", "''") + "'"
    $X0Environment = @{}
}
$ModuleBaseCheck = "; 'X0BASE=' + (Get-Module x0tta6bl4).ModuleBase"

function Get-Stat([double[]] $Values) {
    $s = @($Values | Sort-Object)
    $n = $s.Count
    $q = { param($p) $i = ($n - 1) * $p; $lo = [math]::Floor($i); $hi = [math]::Ceiling($i); $s[$lo] + ($s[$hi] - $s[$lo]) * ($i - $lo) }
    [pscustomobject]@{ N = $n; Median = (& $q 0.5); P25 = (& $q 0.25); P75 = (& $q 0.75); Min = $s[0]; Max = $s[-1] }
}

function Invoke-Timed {
    # Wall time of one process, from just before start to exit; fails on a non-zero exit code.
    param([string] $File, [string[]] $Arguments, [string] $WorkingDirectory, [string] $Expect, [hashtable] $Environment)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    if ($Environment) { foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] } }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $sw.Stop()
    $stdout = $out.Result
    if ($p.ExitCode -ne 0 -or ($Expect -and $stdout -notmatch $Expect)) {
        throw "Benchmark command failed: expected exit code 0$(if ($Expect) { " and output matching '$Expect'" }), but found exit code $($p.ExitCode).`n$File $($Arguments -join ' ')`n$stdout`n$($err.Result)"
    }
    $inProcess = [regex]::Match($stdout, "$Marker([0-9.]+);([0-9.]+)")
    [pscustomobject]@{
        Ms        = $sw.Elapsed.TotalMilliseconds
        InProcess = if ($inProcess.Success) { [double]::Parse($inProcess.Groups[1].Value, [cultureinfo]::InvariantCulture) } else { $null }
        # CPU time the child spent on the work (all its threads): far less sensitive to other load than wall time.
        Cpu       = if ($inProcess.Success) { [double]::Parse($inProcess.Groups[2].Value, [cultureinfo]::InvariantCulture) } else { $null }
        Output    = $stdout
    }
}

function Assert-StagedModule([string] $Output) {
    $base = [regex]::Match($Output, 'X0BASE=(.+)').Groups[1].Value.Trim()
    if ($base -ne (Split-Path -Parent $ModulePath)) {
        throw "Expected the benchmark to import the staged module from $(Split-Path -Parent $ModulePath), but it imported '$base'. Remove the other x0tta6bl4 from PSModulePath."
    }
}

function Get-PwshArguments([string] $Command) { @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $Command) }
function Format-Literal([string] $s) { "'" + $s.Replace("'", "''") + "'" }

function Get-RepoState([string] $Repo) {
    (& git -C $Repo rev-parse HEAD) + '|' + ((& git -C $Repo for-each-ref --format='%(refname) %(objectname)') -join ';') + '|' + ((& git -C $Repo status --porcelain) -join ';')
}

function New-SampleRepository {
    # A copy of the sample with one commit and a local bare remote, as a user's clone would have.
    $repo = Join-Path $Temp 'sample'
    $remote = Join-Path $Temp 'sample-origin.git'
    New-Item -ItemType Directory -Path $repo | Out-Null
    Get-ChildItem -LiteralPath $SamplePath -Force | Copy-Item -Destination $repo -Recurse -Force
    & git init -q --bare -b main $remote
    foreach ($a in @(
            @('init', '-q', '-b', 'main'), @('config', 'user.name', 'x0tta6bl4 bench'), @('config', 'user.email', 'bench@x0tta6bl4.invalid'),
            @('config', 'commit.gpgsign', 'false'), @('add', '-A'), @('commit', '-q', '-m', 'feat: import the sample project'),
            @('remote', 'add', 'origin', $remote), @('push', '-q', 'origin', 'main'))) {
        & git -C $repo @a
        if ($LASTEXITCODE) { throw "git $($a -join ' ') failed in $repo" }
    }
    $repo
}

function Get-MachineFacts {
    $facts = [ordered]@{}
    $facts.Date = (Get-Date).ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'")
    $facts.OS = if (Test-Path /etc/os-release) { ((Get-Content /etc/os-release | Where-Object { $_ -like 'PRETTY_NAME=*' }) -replace '^PRETTY_NAME="?|"$', '') } else { [System.Runtime.InteropServices.RuntimeInformation]::OSDescription }
    $facts.Kernel = if (Get-Command uname -CommandType Application -ErrorAction SilentlyContinue) { (& uname -srm) -join ' ' } else { [System.Runtime.InteropServices.RuntimeInformation]::OSDescription }
    $cpu = if (Test-Path /proc/cpuinfo) { (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', '' } else { $env:PROCESSOR_IDENTIFIER }
    $facts.CPU = "$([Environment]::ProcessorCount) × $cpu"
    $facts.Memory = if (Test-Path /proc/meminfo) { '{0:N1} GiB' -f ([double]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') / 1MB) } else { 'n/a' }
    $facts.Runtime = [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    $facts.PowerShell = "$($PSVersionTable.PSVersion)"
    $facts.PSResourceGet = "$((Get-Module -ListAvailable Microsoft.PowerShell.PSResourceGet | Sort-Object Version -Descending | Select-Object -First 1).Version)"
    $facts.Git = (& git --version) -replace '^git version ', ''
    $manifest = Import-PowerShellDataFile -LiteralPath $ModulePath
    $commit = & git -C $Root rev-parse --short HEAD 2>$null
    $dirty = if (& git -C $Root status --porcelain --untracked-files=no 2>$null) { ' + uncommitted changes' } else { '' }
    $facts.Module = "x0tta6bl4 $($manifest.ModuleVersion) (commit $commit$dirty)"
    $rid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$("$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)".ToLowerInvariant())"
    $images = Join-Path (Split-Path -Parent $ModulePath) 'dependencies' 'r2r' "net$([Environment]::Version.Major).0" $rid
    $facts.Engine = if (Test-Path -LiteralPath $images) { "ReadyToRun images (dependencies/r2r/net$([Environment]::Version.Major).0/$rid)" } else { 'portable IL (no ReadyToRun images for this runtime and RID)' }
    $facts.Bumpversion = if ($Bumpversion) { ((& $Bumpversion --help 2>&1 | Select-String -Pattern 'bumpversion: v?(\S+)' | Select-Object -First 1).Matches[0].Groups[1].Value) } else { 'not installed' }
    $facts
}

function Get-LoadAverage { if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' } }

function Format-Ms($v) { if ($null -eq $v) { '–' } elseif ($v -ge 100) { '{0:N0} ms' -f $v } else { '{0:N1} ms' -f $v } }
function Format-Spread($s) { if ($null -eq $s) { '–' } else { '{0}–{1}' -f (Format-Ms $s.P25).Replace(' ms', ''), (Format-Ms $s.P75) } }
function Format-Ratio([double] $r) { '{0:N2}×' -f $r }

$bumpArgs = @('--dry-run', '--commit', '--tag', '--current-version', '3.2.0', 'patch', 'pyproject.toml', 'src/mape_k/__init__.py')
$facts = Get-MachineFacts
$loadBefore = Get-LoadAverage
Write-Host "    machine: $($facts.CPU), $($facts.Memory), $($facts.Runtime), load $loadBefore"

try {
    # ---------------------------------------------------------------- 1. cold start
    $sample = New-SampleRepository
    $sampleState = Get-RepoState $sample
    $probeStart = "`$cpu = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime; `$sw = [System.Diagnostics.Stopwatch]::StartNew(); "
    $probeEnd = "; '$Marker' + `$sw.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture) + ';' + ([System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - `$cpu).TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)"
    $x0Command = $probeStart + "Import-Module $ImportTarget -ErrorAction Stop; " +
    "Step-X0Version -Patch -WhatIf -Path $(Format-Literal $sample) -ErrorAction Stop" + $probeEnd + $ModuleBaseCheck
    $psrgCommand = $probeStart + 'Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop' + $probeEnd
    $cases = [ordered]@{
        baseline = @{ File = $Dotnet; Args = (Get-PwshArguments 'exit'); Dir = $Root; Expect = $null }
        psrg     = @{ File = $Dotnet; Args = (Get-PwshArguments $psrgCommand); Dir = $Root; Expect = $Marker }
        x0       = @{ File = $Dotnet; Args = (Get-PwshArguments $x0Command); Dir = $Root; Expect = 'What if: Bump 3\.2\.0 → 3\.2\.1'; Env = $X0Environment }
    }
    if ($Bumpversion) { $cases.peer = @{ File = $Bumpversion; Args = $bumpArgs; Dir = $sample; Expect = $null } }
    $cold = @{}
    foreach ($k in $cases.Keys) { $cold[$k] = [System.Collections.Generic.List[object]]::new() }
    Write-Host "    cold start: $($ColdRuns + 1) rounds of $($cases.Count) new processes"
    for ($round = 0; $round -le $ColdRuns; $round++) {
        # Rotate the order each round so no case always runs right after another.
        $keys = @($cases.Keys)
        $keys = $keys[($round % $keys.Count)..($keys.Count - 1)] + $(if ($round % $keys.Count) { $keys[0..(($round % $keys.Count) - 1)] })
        foreach ($k in $keys) {
            $c = $cases[$k]
            $r = Invoke-Timed -File $c.File -Arguments $c.Args -WorkingDirectory $c.Dir -Expect $c.Expect -Environment $c['Env']
            if ($k -eq 'x0') { Assert-StagedModule $r.Output }
            if ($round -gt 0) { $cold[$k].Add($r) }   # round 0 warms the file cache
        }
        Write-Progress -Activity 'Cold start' -Status "round $round of $ColdRuns" -PercentComplete (100 * $round / $ColdRuns)
    }
    Write-Progress -Activity 'Cold start' -Completed
    if ((Get-RepoState $sample) -ne $sampleState) { throw 'Step-X0Version -WhatIf or bumpversion --dry-run changed the sample repository.' }

    $coldStats = [ordered]@{}
    foreach ($k in $cold.Keys) {
        $coldStats[$k] = [pscustomobject]@{
            Wall      = Get-Stat @($cold[$k].Ms)
            InProcess = if ($cold[$k][0].InProcess) { Get-Stat @($cold[$k].InProcess) } else { $null }
            Cpu       = if ($cold[$k][0].InProcess) { Get-Stat @($cold[$k].Cpu) } else { $null }
        }
    }
    # Net of the bare start, paired by round: each round's cases ran back to back, so subtracting
    # that round's bare start cancels slow drift in machine load better than a difference of medians.
    $pairs = 0..($ColdRuns - 1)
    $netX0Stat = Get-Stat @($pairs | ForEach-Object { $cold.x0[$_].Ms - $cold.baseline[$_].Ms })
    $netPsrgStat = Get-Stat @($pairs | ForEach-Object { $cold.psrg[$_].Ms - $cold.baseline[$_].Ms })
    $netX0 = $netX0Stat.Median
    $netPsrg = $netPsrgStat.Median
    $coldRatio = [ordered]@{
        Net       = $netX0 / $netPsrg
        InProcess = $coldStats.x0.InProcess.Median / $coldStats.psrg.InProcess.Median
        Cpu       = $coldStats.x0.Cpu.Median / $coldStats.psrg.Cpu.Median
        Wall      = $coldStats.x0.Wall.Median / $coldStats.psrg.Wall.Median
    }

    # ---------------------------------------------------------------- 2. history depth
    $repos = [ordered]@{}
    foreach ($n in $CommitCounts) {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $path = & (Join-Path $PSScriptRoot 'New-BenchRepository.ps1') -Commits $n -SamplePath $SamplePath -CacheRoot $CacheRoot
        $gitDir = Join-Path $path '.git'
        $repos["$n"] = [pscustomobject]@{
            Commits = $n
            Path    = $path
            Tags    = @(& git -C $path tag).Count
            Files   = @(& git -C $path ls-files).Count
            GitSize = '{0:N1} MiB' -f ((Get-ChildItem -LiteralPath $gitDir -Recurse -File -Force | Measure-Object Length -Sum).Sum / 1MB)
            State   = Get-RepoState $path
        }
        Write-Host "    repository with $n commits ready ($([math]::Round($sw.Elapsed.TotalSeconds, 1)) s): $path"
    }

    # Warm: one session, the module imported once, bumps alternating between the repositories.
    $warmScript = Join-Path $Temp 'warm.ps1'
    Set-Content -LiteralPath $warmScript -Encoding utf8NoBOM -Value @'
param([string] $ModulePath, [string] $RepoList, [int] $Runs)
$ErrorActionPreference = 'Stop'
$Repos = $RepoList -split '\|'
Import-Module $ModulePath
$times = @{}
foreach ($r in $Repos) { $times[$r] = [System.Collections.Generic.List[double]]::new() }
for ($i = -3; $i -lt $Runs; $i++) {
    foreach ($r in $Repos) {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        Step-X0Version -Patch -WhatIf -Path $r -ErrorAction Stop
        $sw.Stop()
        if ($i -ge 0) { $times[$r].Add($sw.Elapsed.TotalMilliseconds) }
    }
}
'X0BENCH-JSON=' + ($times | ConvertTo-Json -Compress)
'@
    Write-Host "    warm: $WarmRuns bumps per repository in one session"
    $warmRun = Invoke-Timed -File $Dotnet -Arguments @('pwsh', '-NoProfile', '-NonInteractive', '-File', $warmScript, '-ModulePath', $ModulePath, '-RepoList', ($repos.Values.Path -join '|'), '-Runs', $WarmRuns) -WorkingDirectory $Root -Expect 'X0BENCH-JSON='
    $warmJson = ([regex]::Match($warmRun.Output, 'X0BENCH-JSON=(.+)')).Groups[1].Value | ConvertFrom-Json -AsHashtable
    $depthRuns = [math]::Max(5, [math]::Ceiling($ColdRuns / 2))
    Write-Host "    cold per repository: $depthRuns rounds"
    $depthCold = @{}; $depthPeer = @{}
    foreach ($n in $CommitCounts) { $depthCold[$n] = [System.Collections.Generic.List[double]]::new(); $depthPeer[$n] = [System.Collections.Generic.List[double]]::new() }
    for ($round = 0; $round -le $depthRuns; $round++) {
        foreach ($n in $CommitCounts) {
            $cmd = "Import-Module $ImportTarget -ErrorAction Stop; Step-X0Version -Patch -WhatIf -Path $(Format-Literal $repos["$n"].Path) -ErrorAction Stop" + $ModuleBaseCheck
            $r = Invoke-Timed -File $Dotnet -Arguments (Get-PwshArguments $cmd) -WorkingDirectory $Root -Expect 'What if: Bump 3\.2\.0 → 3\.2\.1' -Environment $X0Environment
            Assert-StagedModule $r.Output
            if ($round -gt 0) { $depthCold[$n].Add($r.Ms) }
            if ($Bumpversion) {
                $p = Invoke-Timed -File $Bumpversion -Arguments $bumpArgs -WorkingDirectory $repos["$n"].Path
                if ($round -gt 0) { $depthPeer[$n].Add($p.Ms) }
            }
        }
    }
    foreach ($n in $CommitCounts) {
        $repo = $repos["$n"]
        if ((Get-RepoState $repo.Path) -ne $repo.State) { throw "A dry run changed the generated repository $($repo.Path)." }
        $repo | Add-Member Warm (Get-Stat @($warmJson[$repo.Path]))
        $repo | Add-Member Cold (Get-Stat @($depthCold[$n]))
        $repo | Add-Member Peer $(if ($Bumpversion) { Get-Stat @($depthPeer[$n]) } else { $null })
    }
    $ref = $repos["$($CommitCounts[0])"]
    $big = $repos["$($CommitCounts[-1])"]
    $depthRatio = [ordered]@{
        Warm = $big.Warm.Median / $ref.Warm.Median
        Cold = $big.Cold.Median / $ref.Cold.Median
        Peer = if ($Bumpversion) { $big.Peer.Median / $ref.Peer.Median } else { $null }
    }
} finally {
    Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue
}
$loadAfter = Get-LoadAverage

# -------------------------------------------------------------------- report
$coldGoal = 1.3
$depthGoal = 1.10   # "no slower": equal within 10 % run-to-run noise
$verdict = { param($ok) if ($ok) { 'met' } else { '**missed**' } }
$md = [System.Text.StringBuilder]::new()
function Add-Line([string] $s = '') { [void]$md.AppendLine($s) }

Add-Line '# x0tta6bl4 benchmarks'
Add-Line
Add-Line "``./build.ps1 Bench`` (bench/Invoke-Bench.ps1 -ColdRuns $ColdRuns -WarmRuns $WarmRuns -CommitCounts $($CommitCounts -join ',')) — $($facts.Date)"
Add-Line
Add-Line '| machine | |'
Add-Line '|---|---|'
foreach ($k in 'OS', 'Kernel', 'CPU', 'Memory', 'Runtime', 'PowerShell', 'PSResourceGet', 'Git', 'Module', 'Engine', 'Bumpversion') { Add-Line "| $k | $($facts[$k]) |" }
Add-Line "| load average (1/5/15 min) | $loadBefore before, $loadAfter after |"
Add-Line
$busiest = @($loadBefore, $loadAfter | Where-Object { $_ -ne 'n/a' } | ForEach-Object { [double]::Parse(($_ -split ' ')[0], [cultureinfo]::InvariantCulture) } | Sort-Object)[-1]
# The benchmark itself keeps about one process running, so "busy" means more than one beyond the cores.
if ($busiest -gt [Environment]::ProcessorCount + 1) {
    Add-Line "> The machine was busy (load $busiest on $([Environment]::ProcessorCount) cores, the benchmark's own process included): wall times and the net-of-start figure are unreliable in this run; the in-process and CPU-time ratios are the ones to read. Run again on a quiet machine."
    Add-Line
}
Add-Line "## 1. Cold start: a new ``dotnet pwsh -NoProfile`` per run ($ColdRuns runs per case, interleaved, medians)"
Add-Line
Add-Line '| case | wall | IQR | in-process | its CPU time | wall minus bare start (paired by round) |'
Add-Line '|---|---|---|---|---|---|'
Add-Line "| bare start: ``-Command exit`` | $(Format-Ms $coldStats.baseline.Wall.Median) | $(Format-Spread $coldStats.baseline.Wall) | – | – | – |"
Add-Line "| ``Import-Module Microsoft.PowerShell.PSResourceGet`` | $(Format-Ms $coldStats.psrg.Wall.Median) | $(Format-Spread $coldStats.psrg.Wall) | $(Format-Ms $coldStats.psrg.InProcess.Median) | $(Format-Ms $coldStats.psrg.Cpu.Median) | $(Format-Ms $netPsrg) (IQR $(Format-Spread $netPsrgStat)) |"
Add-Line "| ``Import-Module x0tta6bl4; Step-X0Version -Patch -WhatIf`` | $(Format-Ms $coldStats.x0.Wall.Median) | $(Format-Spread $coldStats.x0.Wall) | $(Format-Ms $coldStats.x0.InProcess.Median) | $(Format-Ms $coldStats.x0.Cpu.Median) | $(Format-Ms $netX0) (IQR $(Format-Spread $netX0Stat)) |"
if ($coldStats.Contains('peer')) {
    Add-Line "| peer: ``bumpversion --dry-run … patch`` (own process, no pwsh) | $(Format-Ms $coldStats.peer.Wall.Median) | $(Format-Spread $coldStats.peer.Wall) | – | – | – |"
}
Add-Line
Add-Line '| ratio x0tta6bl4 import + first bump ÷ PSResourceGet import | value | goal |'
Add-Line '|---|---|---|'
Add-Line "| net of the bare start (the figure the goal is judged by) | $(Format-Ratio $coldRatio.Net) | ≤ $(Format-Ratio $coldGoal) $(& $verdict ($coldRatio.Net -le $coldGoal)) |"
Add-Line "| in-process stopwatch (import start → bump end) | $(Format-Ratio $coldRatio.InProcess) | ≤ $(Format-Ratio $coldGoal) $(& $verdict ($coldRatio.InProcess -le $coldGoal)) |"
Add-Line "| CPU time of that work in the child (least sensitive to other load) | $(Format-Ratio $coldRatio.Cpu) | ≤ $(Format-Ratio $coldGoal) $(& $verdict ($coldRatio.Cpu -le $coldGoal)) |"
Add-Line "| whole process wall time | $(Format-Ratio $coldRatio.Wall) | |"
Add-Line
Add-Line "The repository is a copy of samples/python-project with one commit and a local bare ``origin`` (so the honest -WhatIf also reads the remote's tags with ``git ls-remote``)."
Add-Line
Add-Line "## 2. History depth: ``Step-X0Version -Patch -WhatIf`` on generated repositories (medians)"
Add-Line
Add-Line '| commits | tags | tracked files | .git | in one session | IQR | new pwsh (import + bump) | bumpversion |'
Add-Line '|---|---|---|---|---|---|---|---|'
foreach ($r in $repos.Values) {
    Add-Line "| $('{0:N0}' -f $r.Commits) | $($r.Tags) | $($r.Files) | $($r.GitSize) | $(Format-Ms $r.Warm.Median) | $(Format-Spread $r.Warm) | $(Format-Ms $r.Cold.Median) | $(if ($r.Peer) { Format-Ms $r.Peer.Median } else { 'n/a' }) |"
}
Add-Line
Add-Line "| ratio $('{0:N0}' -f $big.Commits) ÷ $('{0:N0}' -f $ref.Commits) commits | value | goal |"
Add-Line '|---|---|---|'
Add-Line "| x0tta6bl4, in one session ($WarmRuns bumps each, alternating) | $(Format-Ratio $depthRatio.Warm) | ≤ $(Format-Ratio $depthGoal) $(& $verdict ($depthRatio.Warm -le $depthGoal)) |"
Add-Line "| x0tta6bl4, new pwsh per bump ($depthRuns runs each) | $(Format-Ratio $depthRatio.Cold) | ≤ $(Format-Ratio $depthGoal) $(& $verdict ($depthRatio.Cold -le $depthGoal)) |"
if ($Bumpversion) { Add-Line "| bumpversion ($depthRuns runs each) | $(Format-Ratio $depthRatio.Peer) | |" }
Add-Line
Add-Line '## 3. Peer side by side: bumpversion (Debian package, bump2version lineage) on the same repositories'
Add-Line
if ($Bumpversion) {
    Add-Line "``bumpversion --dry-run --commit --tag --current-version 3.2.0 patch pyproject.toml src/mape_k/__init__.py`` — the same plan (both files, commit, tag) without writing."
    Add-Line
    Add-Line '| repository | bumpversion | x0tta6bl4, new pwsh | ratio | x0tta6bl4, in a session | ratio |'
    Add-Line '|---|---|---|---|---|---|'
    Add-Line "| sample (1 commit, with origin) | $(Format-Ms $coldStats.peer.Wall.Median) | $(Format-Ms $coldStats.x0.Wall.Median) | $(Format-Ratio ($coldStats.x0.Wall.Median / $coldStats.peer.Wall.Median)) | – | – |"
    foreach ($r in $repos.Values) {
        Add-Line "| $('{0:N0}' -f $r.Commits) commits | $(Format-Ms $r.Peer.Median) | $(Format-Ms $r.Cold.Median) | $(Format-Ratio ($r.Cold.Median / $r.Peer.Median)) | $(Format-Ms $r.Warm.Median) | $(Format-Ratio ($r.Warm.Median / $r.Peer.Median)) |"
    }
    Add-Line
    Add-Line 'Ratios are x0tta6bl4 ÷ bumpversion: below 1 means x0tta6bl4 is faster. "New pwsh" includes starting PowerShell and importing the module; "in a session" is the cmdlet alone once the module is loaded, which is how it runs in a pipeline, a script or an Actions step after the first command.'
} else {
    Add-Line 'Not measured: `bumpversion` is not on PATH. Install it with `apt-get install bumpversion` (Debian) and run again.'
}

$report = $md.ToString()
Set-Content -LiteralPath (Join-Path $OutputPath 'results.md') -Value $report -Encoding utf8NoBOM
[ordered]@{
    Facts = $facts; LoadBefore = $loadBefore; LoadAfter = $loadAfter
    ColdStart = $coldStats; ColdNet = [ordered]@{ x0 = $netX0Stat; psrg = $netPsrgStat }; ColdRatio = $coldRatio
    History = @($repos.Values | Select-Object Commits, Tags, Files, GitSize, Warm, Cold, Peer); HistoryRatio = $depthRatio
} | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath (Join-Path $OutputPath 'results.json') -Encoding utf8NoBOM
Write-Host ''
Write-Host $report
Write-Host "    written to $(Join-Path $OutputPath 'results.md')"
