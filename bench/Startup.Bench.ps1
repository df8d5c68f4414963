#requires -Version 7.4
<#
.SYNOPSIS
    What every new pwsh pays for x0tta6bl4: the import plus the first command of each cmdlet, against
    bare PowerShell start-up, broken down into pwsh start, import, first command and run recording.
.DESCRIPTION
    New processes of the pwsh that runs this script (`dotnet <PSHOME>/pwsh.dll`, without the dotnet tool
    resolver's own start-up), round-robin with the order rotating each round so that changes in
    machine load hit every case alike:
        bare        `-Command exit`
        floor       `-Command Get-Variable PID` — a built-in command printing a one-row table: what PowerShell
                    itself spends on a first command and its formatted output, whoever's module it is
        import      `Import-Module x0tta6bl4`
        <cmdlet>    `Import-Module x0tta6bl4; <first command>` printing its objects as a user sees them,
                    and again with X0_RUN_RECORDING=0 (the difference is what recording costs)
    The first commands: Get-X0ReleaseNote, Step-X0Version -Patch -WhatIf (on a copy of the sample with
    a local bare origin), Invoke-X0Test -Gate Lint (flake8 on the sample; flake8 run alone is measured
    too and subtracted), Get-X0Run -Local -First 5, Build-X0Image -WhatIf (needs a Docker engine: the
    one DOCKER_HOST names, or a dockerd started here as root; skipped otherwise).
    With hyperfine installed (Debian package) each round is one `hyperfine -N -r 1` call, which adds
    each process's CPU time (user + system, from the kernel); otherwise wall time only.
    Also, once per case and outside the timing: the assemblies the command loads into the module's
    load context, and how many methods the JIT compiles beyond bare pwsh (DOTNET_JitDisasmSummary).
    -CompareModulePath measures a second staged module (an older build) in the same rounds.
    Then the full CHANGELOG of a generated 100,000-commit repository (bench/New-ConventionalRepository.ps1,
    cached in <OutputPath>/repos/cc-<n>, shared with Notes.Bench.ps1) in one session: a new pwsh imports
    the module and runs `Get-X0ReleaseNote -All | ForEach-Object Markdown` -ChangelogRuns times, each
    timed inside the session (wall and CPU); `git log` printing the same fields of the same commits,
    alternating with it, is the yardstick (the least any tool has to read).
    Writes <OutputPath>/startup.md and startup.json and prints the Markdown.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    # Rounds (one new process per case each), after one discarded warm-up round.
    [ValidateRange(3, 200)] [int] $Runs = 10,
    # Another staged x0tta6bl4.psd1 measured in the same rounds, reported as "before".
    [string] $CompareModulePath,
    [string] $SamplePath = (Join-Path $PSScriptRoot '../samples/python-project'),
    [switch] $SkipImage,
    # Commits of the generated repository for the full-changelog measurement (0 leaves it out).
    [int] $ChangelogCommits = 100000,
    # Get-X0ReleaseNote -All runs in the one session of the changelog measurement.
    [ValidateRange(2, 50)] [int] $ChangelogRuns = 5
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$PSStyle.OutputRendering = 'PlainText'

$Goal = 150
$ChangelogGoal = 1000
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).Path
$Temp = Join-Path ([System.IO.Path]::GetTempPath()) "x0-startup-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
New-Item -ItemType Directory -Force -Path $Temp | Out-Null
$Pwsh = if (Test-Path (Join-Path $PSHOME 'pwsh.dll')) { @((Get-Command dotnet -CommandType Application | Select-Object -First 1).Source, (Join-Path $PSHOME 'pwsh.dll')) } else { @((Get-Process -Id $PID).Path) }
$Hyperfine = Get-Command hyperfine -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Source
$Python = if (Test-Path /usr/bin/python3) { '/usr/bin/python3' } else { (Get-Command python3 -CommandType Application -ErrorAction SilentlyContinue)?.Source }
$Env = @{ NO_COLOR = '1'; POWERSHELL_TELEMETRY_OPTOUT = '1'; POWERSHELL_UPDATECHECK = 'Off'; X0_STATE_DIR = (Join-Path $Temp 'state'); GITHUB_ACTIONS = $null; CI = $null }

function Get-ModuleRoot([string] $Psd1) {
    # <root>/x0tta6bl4/<version>/x0tta6bl4.psd1: <root> goes first on PSModulePath, as an installed module is found.
    $versionDir = Split-Path -Parent $Psd1
    if ((Split-Path -Leaf (Split-Path -Parent $versionDir)) -ne 'x0tta6bl4') { throw "Expected a staged module at <root>/x0tta6bl4/<version>/x0tta6bl4.psd1, found $Psd1" }
    Split-Path -Parent (Split-Path -Parent $versionDir)
}

function Get-Stat([double[]] $Values) {
    $s = @($Values | Sort-Object)
    $n = $s.Count
    $q = { param($p) $i = ($n - 1) * $p; $lo = [math]::Floor($i); $hi = [math]::Ceiling($i); $s[$lo] + ($s[$hi] - $s[$lo]) * ($i - $lo) }
    [pscustomobject]@{ N = $n; Median = (& $q 0.5); P25 = (& $q 0.25); P75 = (& $q 0.75) }
}

function New-Fixtures {
    $repo = Join-Path $Temp 'sample'
    $origin = Join-Path $Temp 'sample-origin.git'
    New-Item -ItemType Directory -Path $repo | Out-Null
    Get-ChildItem -LiteralPath (Resolve-Path $SamplePath) -Force | Copy-Item -Destination $repo -Recurse -Force
    & git init -q --bare -b main $origin
    foreach ($a in @(@('init', '-q', '-b', 'main'), @('config', 'user.name', 'x0 bench'), @('config', 'user.email', 'bench@x0tta6bl4.invalid'),
            @('config', 'commit.gpgsign', 'false'), @('add', '-A'), @('commit', '-q', '-m', 'feat: import the sample project'),
            @('remote', 'add', 'origin', $origin), @('push', '-q', 'origin', 'main'))) {
        & git -C $repo @a
        if ($LASTEXITCODE) { throw "git $($a -join ' ') failed in $repo" }
    }
    $repo
}

function Start-Engine {
    if ($SkipImage) { return 'skipped (-SkipImage)' }
    if ($env:DOCKER_HOST) { return $null }
    Import-Module (Join-Path $PSScriptRoot '../tests/Pester/DockerTestEnvironment.psm1') -Force
    $env:X0_TEST_REGISTRY = '127.0.0.1:1'   # no registry needed: -WhatIf pushes nothing
    $reason = Get-X0TestDockerSkipReason
    if ($reason) { return "skipped: $reason" }
    $state = Start-X0TestDocker
    $script:EngineStarted = $true
    $env:DOCKER_HOST = $state.DockerHost
    $null
}

function New-Case([string] $Name, [string] $Command, [hashtable] $Extra = @{}, [string] $Expect, [string] $Module) {
    if ($Command -match '["$`\\]') { throw "Bench commands are passed through hyperfine's word splitting; keep quotes, `$, ` and \ out of: $Command" }
    $envs = @{} + $Env + $Extra
    if ($Module) { $envs.PSModulePath = (Get-ModuleRoot $Module) + [System.IO.Path]::PathSeparator + $env:PSModulePath }
    [pscustomobject]@{ Name = $Name; File = $Pwsh[0]; Arguments = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command); Env = $envs; Expect = $Expect; WorkingDirectory = $Temp }
}

function New-ToolCase([string] $Name, [string] $File, [string[]] $Arguments, [string] $WorkingDirectory) {
    [pscustomobject]@{ Name = $Name; File = $File; Arguments = $Arguments; Env = @{} + $Env; Expect = $null; WorkingDirectory = $WorkingDirectory; Tool = $true }
}

function Get-CommandLine($Case) {
    # `env` sets the case's folder and variables (clearing the unset ones) for hyperfine, which runs
    # every command from its own folder and without a shell.
    $sets = foreach ($k in $Case.Env.Keys | Sort-Object) { if ($null -eq $Case.Env[$k]) { '-u'; $k } else { "$k=$($Case.Env[$k])" } }
    $words = @('/usr/bin/env', '-C', $Case.WorkingDirectory) + @($sets) + @($Case.File) + @($Case.Arguments)
    ($words | ForEach-Object { if ($_ -match '\s|;') { '"' + $_ + '"' } else { $_ } }) -join ' '
}

function Invoke-Case($Case, [hashtable] $MoreEnv = @{}) {
    # One run with the output captured: to check it succeeds and prints what it should (not timed).
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Case.File)
    foreach ($a in $Case.Arguments) { $psi.ArgumentList.Add($a) }
    foreach ($k in $Case.Env.Keys) { if ($null -eq $Case.Env[$k]) { $psi.Environment.Remove($k) | Out-Null } else { $psi.Environment[$k] = $Case.Env[$k] } }
    foreach ($k in $MoreEnv.Keys) { $psi.Environment[$k] = $MoreEnv[$k] }
    $psi.WorkingDirectory = $Case.WorkingDirectory
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $ms = $sw.Elapsed.TotalMilliseconds
    if ($p.ExitCode -ne 0 -or ($Case.Expect -and $out.Result -notmatch $Case.Expect)) {
        throw "Benchmark case '$($Case.Name)' failed: expected exit code 0$(if ($Case.Expect) { " and output matching '$($Case.Expect)'" }), found exit code $($p.ExitCode).`n$($out.Result)`n$($err.Result)"
    }
    [pscustomobject]@{ Wall = $ms; Cpu = $null; Output = $out.Result }
}

function Invoke-Round([object[]] $Cases) {
    if (-not $Hyperfine) {
        return @($Cases | ForEach-Object { Invoke-Case $_ })
    }
    $json = Join-Path $Temp 'round.json'
    $lines = @($Cases | ForEach-Object { Get-CommandLine $_ })
    Push-Location $Temp
    try {
        & $Hyperfine -N -r 1 -i --style none --export-json $json @lines *> (Join-Path $Temp 'hyperfine.log')
        if ($LASTEXITCODE -ne 0) { throw "hyperfine failed: $(Get-Content -Raw (Join-Path $Temp 'hyperfine.log'))" }
    } finally { Pop-Location }
    $results = (Get-Content -Raw $json | ConvertFrom-Json).results
    for ($i = 0; $i -lt $Cases.Count; $i++) {
        # A failed run is not a measurement: run it again with its output captured, to say why.
        if ($results[$i].exit_codes[0] -ne 0) {
            $again = & $Hyperfine -N -r 1 -i --show-output $lines[$i] 2>&1 | Out-String
            throw "Benchmark case '$($Cases[$i].Name)' exited with $($results[$i].exit_codes[0]) under hyperfine: $($lines[$i])`n$again"
        }
    }
    for ($i = 0; $i -lt $Cases.Count; $i++) {
        [pscustomobject]@{ Wall = $results[$i].times[0] * 1000; Cpu = ($results[$i].user + $results[$i].system) * 1000; Output = $null }
    }
}

function Get-LoadProfile($Case, [string] $Command) {
    # Outside the timing: what the first command loads into the module's context, and the JIT's count.
    $probe = "$Command | Out-Null; [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq x0tta6bl4 | ForEach-Object { `$_.Assemblies } | ForEach-Object { 'X0ASM=' + `$_.GetName().Name }"
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Case.File)
    foreach ($a in (@($Case.Arguments | Select-Object -SkipLast 1) + $probe)) { $psi.ArgumentList.Add($a) }
    foreach ($k in $Case.Env.Keys) { if ($null -eq $Case.Env[$k]) { $psi.Environment.Remove($k) | Out-Null } else { $psi.Environment[$k] = $Case.Env[$k] } }
    $psi.WorkingDirectory = $Temp
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync(); $null = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    @([regex]::Matches($out.Result, 'X0ASM=(\S+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
}

function Get-JitCount($Case) {
    # The runtime's one line per compiled method, on the process's standard output (writing them to a
    # file with DOTNET_JitDisasmSummary's DOTNET_JitStdOutFile crashes now and then), counted by
    # method name so that background recompilations of hot methods do not count. pwsh replays the
    # multi-core JIT profile the previous process left in its cache folder (StartupProfileData-*):
    # each case gets a cache folder of its own, warmed by one run, and the second run is counted.
    $cache = Join-Path $Temp "xdg-cache-$([guid]::NewGuid().ToString('N'))"
    try {
        $run = $null
        foreach ($attempt in 1..2) { $run = Invoke-Case $Case @{ DOTNET_JitDisasmSummary = '1'; XDG_CACHE_HOME = $cache } }
        @($run.Output -split "`n" | Where-Object { $_ -match 'JIT compiled (.*) \[' } | ForEach-Object { $Matches[1] } | Sort-Object -Unique).Count
    } catch {
        Write-Host "    (JIT count for $($Case.Name) failed: $($_.Exception.Message.Split("`n")[0]))"
        $null
    }
}

function Measure-Changelog {
    $repo = Join-Path $OutputPath "repos/cc-$ChangelogCommits"
    if (-not (Test-Path (Join-Path $repo '.git/x0-manifest.json'))) {
        Write-Host "    generating $ChangelogCommits commits ($repo)"
        & (Join-Path $PSScriptRoot 'New-ConventionalRepository.ps1') -Path $repo -Commits $ChangelogCommits -TagEvery 200 -Force | Out-Null
        & git -C $repo repack -adq
    }
    Write-Host "    full changelog: $ChangelogRuns runs in one session, git log alternating"
    $script = Join-Path $Temp 'changelog.ps1'
    Set-Content -LiteralPath $script -Encoding utf8NoBOM -Value @'
param([string] $Repo, [int] $Runs)
$ErrorActionPreference = 'Stop'
Import-Module x0tta6bl4
$self = [System.Diagnostics.Process]::GetCurrentProcess()
for ($i = 0; $i -lt $Runs; $i++) {
    # The yardstick first: git printing the fields the notes use, for every commit.
    $psi = [System.Diagnostics.ProcessStartInfo]::new('git')
    foreach ($a in '-C', $Repo, 'log', '--format=%H %P %ct %an %ae%n%B', 'HEAD') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $git = [System.Diagnostics.Process]::Start($psi)
    $git.StandardOutput.BaseStream.CopyTo([System.IO.Stream]::Null)
    $git.WaitForExit()
    $gitMs = $sw.Elapsed.TotalMilliseconds
    $self.Refresh(); $cpu = $self.TotalProcessorTime
    $sw.Restart()
    $md = Get-X0ReleaseNote -All -Path $Repo | ForEach-Object Markdown
    $ms = $sw.Elapsed.TotalMilliseconds
    $self.Refresh()
    'X0CHANGELOG={0};{1};{2};{3};{4}' -f $i, $ms.ToString([cultureinfo]::InvariantCulture), ($self.TotalProcessorTime - $cpu).TotalMilliseconds.ToString([cultureinfo]::InvariantCulture), $gitMs.ToString([cultureinfo]::InvariantCulture), @($md).Count
}
'@
    $case = New-Case 'changelog' 'exit' -Module $ModulePath
    $case.Arguments = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script, '-Repo', $repo, '-Runs', $ChangelogRuns)
    $run = Invoke-Case $case
    $rows = @([regex]::Matches($run.Output, 'X0CHANGELOG=(\d+);([0-9.]+);([0-9.]+);([0-9.]+);(\d+)') | ForEach-Object {
            [pscustomobject]@{ Run = [int]$_.Groups[1].Value; Ms = [double]$_.Groups[2].Value; Cpu = [double]$_.Groups[3].Value; Git = [double]$_.Groups[4].Value; Notes = [int]$_.Groups[5].Value }
        })
    if ($rows.Count -ne $ChangelogRuns) { throw "The changelog session printed $($rows.Count) of $ChangelogRuns measurements:`n$($run.Output)" }
    [pscustomobject]@{
        Commits = [int](& git -C $repo rev-list --count HEAD); Tags = @(& git -C $repo tag).Count; Notes = $rows[0].Notes
        First = $rows[0]; Later = Get-Stat @($rows | Select-Object -Skip 1 | ForEach-Object Ms); LaterCpu = Get-Stat @($rows | Select-Object -Skip 1 | ForEach-Object Cpu)
        Git = Get-Stat @($rows | ForEach-Object Git); Ratio = Get-Stat @($rows | ForEach-Object { $_.Ms / $_.Git })
    }
}

$EngineStarted = $false
$engineNote = $null
try {
    $sample = New-Fixtures
    $engineNote = Start-Engine
    if ($env:DOCKER_HOST) { $Env.DOCKER_HOST = $env:DOCKER_HOST }
    $modules = [ordered]@{ after = $ModulePath }
    if ($CompareModulePath) { $modules.before = (Resolve-Path -LiteralPath $CompareModulePath).Path }

    $firstCommands = [ordered]@{
        'Get-X0ReleaseNote'              = @{ Command = "Get-X0ReleaseNote -Path $sample"; Expect = '3\.3\.0' }
        'Step-X0Version -Patch -WhatIf'  = @{ Command = "Step-X0Version -Patch -WhatIf -Path $sample"; Expect = 'What if: .*3\.2\.1' }
        'Invoke-X0Test -Gate Lint'       = @{ Command = "Invoke-X0Test -Gate Lint -Path $sample"; Expect = 'Passed' }
        'Get-X0Run -Local -First 5'      = @{ Command = 'Get-X0Run -Local -First 5'; Expect = 'Workflow' }
        'Build-X0Image -WhatIf'          = @{ Command = "Build-X0Image -WhatIf -Target prod -Repository localhost/x0/sample -Path $sample"; Expect = 'What if' }
    }
    if ($engineNote) { $firstCommands.Remove('Build-X0Image -WhatIf') }

    $cases = [System.Collections.Generic.List[object]]::new()
    $cases.Add((New-Case 'bare' 'exit'))
    $cases.Add((New-Case 'floor' 'Get-Variable PID' -Expect 'PID'))
    foreach ($m in $modules.Keys) {
        $cases.Add((New-Case "$m|import" 'Import-Module x0tta6bl4' -Module $modules[$m]))
        foreach ($c in $firstCommands.Keys) {
            $cmd = "Import-Module x0tta6bl4; $($firstCommands[$c].Command)"
            $cases.Add((New-Case "$m|$c" $cmd -Module $modules[$m] -Expect $firstCommands[$c].Expect))
            $cases.Add((New-Case "$m|$c|norec" $cmd @{ X0_RUN_RECORDING = '0' } -Module $modules[$m] -Expect $firstCommands[$c].Expect))
        }
    }
    $flake8 = if ($Python -and $firstCommands.Contains('Invoke-X0Test -Gate Lint')) { New-ToolCase 'flake8 alone' $Python @('-m', 'flake8') $sample }
    if ($flake8) { $cases.Add($flake8) }

    # Every case must succeed and print its result; Get-X0Run -Local then has runs to list.
    foreach ($case in $cases) { Invoke-Case $case | Out-Null }

    Write-Host "    start-up: $($Runs + 1) rounds of $($cases.Count) new processes$(if (-not $Hyperfine) { ' (hyperfine not installed: wall time only)' })"
    $samples = @{}
    foreach ($case in $cases) { $samples[$case.Name] = [System.Collections.Generic.List[object]]::new() }
    for ($round = 0; $round -le $Runs; $round++) {
        $offset = $round % $cases.Count
        $order = @($cases[$offset..($cases.Count - 1)]) + $(if ($offset) { @($cases[0..($offset - 1)]) } else { @() })
        $results = @(Invoke-Round $order)
        if ($round -gt 0) { for ($i = 0; $i -lt $order.Count; $i++) { $samples[$order[$i].Name].Add($results[$i]) } }
        Write-Progress -Activity 'Start-up' -Status "round $round of $Runs" -PercentComplete (100 * $round / $Runs)
    }
    Write-Progress -Activity 'Start-up' -Completed

    Write-Host '    assemblies and JIT counts (one extra process per case, not timed)'
    $jit = @{}
    foreach ($case in $cases | Where-Object { -not $_.PSObject.Properties['Tool'] -and $_.Name -notlike '*|norec' }) { $jit[$case.Name] = Get-JitCount $case }
    $loads = @{}
    foreach ($m in $modules.Keys) {
        foreach ($c in $firstCommands.Keys) {
            $case = $cases | Where-Object Name -eq "$m|$c"
            $loads["$m|$c"] = Get-LoadProfile $case $case.Arguments[-1]
        }
    }

    $changelog = $null
    if ($ChangelogCommits -gt 0) { $changelog = Measure-Changelog }
} finally {
    if ($EngineStarted) { Stop-X0TestDocker; Remove-Item Env:DOCKER_HOST -ErrorAction SilentlyContinue }
    Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue
}

# ------------------------------------------------------------------------ figures
function Pair([string] $A, [string] $B, [string] $Measure = 'Wall') {
    # Median of per-round differences: each round's processes ran back to back.
    $n = [math]::Min($samples[$A].Count, $samples[$B].Count)
    Get-Stat @(0..($n - 1) | ForEach-Object { $samples[$A][$_].$Measure - $samples[$B][$_].$Measure })
}
function Med([string] $Name, [string] $Measure = 'Wall') { (Get-Stat @($samples[$Name] | ForEach-Object $Measure)).Median }
function Ms($v) { if ($null -eq $v) { '–' } else { '{0:N0} ms' -f $v } }
$hasCpu = [bool]$Hyperfine
$load = if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' }

$rows = [System.Collections.Generic.List[object]]::new()
foreach ($m in $modules.Keys) {
    foreach ($c in $firstCommands.Keys) {
        $name = "$m|$c"
        $total = Pair $name 'bare'
        $tool = if ($c -like 'Invoke-X0Test*' -and $flake8) { (Pair $name 'flake8 alone').Median - (Med 'bare') } else { $null }
        $rows.Add([pscustomobject]@{
            Module = $m; Command = $c
            Wall = Med $name; Cpu = if ($hasCpu) { Med $name 'Cpu' } else { $null }
            Start = Med 'bare'
            Import = (Pair "$m|import" 'bare').Median
            First = (Pair "$name|norec" "$m|import").Median
            Recording = (Pair $name "$name|norec").Median
            ImportCpu = if ($hasCpu) { (Pair "$m|import" 'bare' 'Cpu').Median } else { $null }
            FirstCpu = if ($hasCpu) { (Pair "$name|norec" "$m|import" 'Cpu').Median } else { $null }
            RecordingCpu = if ($hasCpu) { (Pair $name "$name|norec" 'Cpu').Median } else { $null }
            WithoutToolCpu = if ($hasCpu -and $c -like 'Invoke-X0Test*' -and $flake8) { (Pair $name 'flake8 alone' 'Cpu').Median - (Med 'bare' 'Cpu') } else { $null }
            AboveBare = $total.Median; AboveBareP25 = $total.P25; AboveBareP75 = $total.P75
            AboveBareCpu = if ($hasCpu) { (Pair $name 'bare' 'Cpu').Median } else { $null }
            WithoutTool = $tool
            Jit = if ($null -ne $jit[$name] -and $null -ne $jit['bare']) { $jit[$name] - $jit['bare'] } else { $null }
            Loads = $loads[$name] -join ', '
        })
    }
}

$md = [System.Text.StringBuilder]::new()
function Add-Line([string] $s = '') { [void]$md.AppendLine($s) }
Add-Line '# Start-up: import + first command of each cmdlet in a new pwsh'
Add-Line
Add-Line "``bench/Startup.Bench.ps1 -Runs $Runs$(if ($CompareModulePath) { ' -CompareModulePath …' })`` — $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC, $([Environment]::ProcessorCount) cores, load average $load at the end, PowerShell $($PSVersionTable.PSVersion) (``$($Pwsh -join ' ')``), $(if ($hasCpu) { 'hyperfine -N, one run per case per round' } else { 'Stopwatch (no hyperfine)' })."
Add-Line
Add-Line "Medians of $Runs rounds; each round runs every case once as a new process, in an order rotated round by round. ""Above bare"" and the breakdown are medians of per-round differences. Goal: import + first command at most $Goal ms above bare pwsh."
Add-Line
if ($engineNote) { Add-Line "Build-X0Image -WhatIf: $engineNote."; Add-Line }
Add-Line '| case | wall | CPU (user+sys) | above bare: wall (IQR) | above bare: CPU | methods JIT-compiled beyond bare |'
Add-Line '|---|---|---|---|---|---|'
Add-Line "| bare ``pwsh -NoProfile -Command exit`` | $(Ms (Med 'bare')) | $(Ms $(if ($hasCpu) { Med 'bare' 'Cpu' })) | – | – | – ($($jit['bare']) in all) |"
Add-Line "| floor: ``Get-Variable PID`` (PowerShell's own first command and table output) | $(Ms (Med 'floor')) | $(Ms $(if ($hasCpu) { Med 'floor' 'Cpu' })) | $(Ms (Pair 'floor' 'bare').Median) | $(Ms $(if ($hasCpu) { (Pair 'floor' 'bare' 'Cpu').Median })) | $($jit['floor'] - $jit['bare']) |"
foreach ($m in $modules.Keys) {
    Add-Line "| $m ``Import-Module x0tta6bl4`` | $(Ms (Med "$m|import")) | $(Ms $(if ($hasCpu) { Med "$m|import" 'Cpu' })) | $(Ms (Pair "$m|import" 'bare').Median) | $(Ms $(if ($hasCpu) { (Pair "$m|import" 'bare' 'Cpu').Median })) | $($jit["$m|import"] - $jit['bare']) |"
    foreach ($r in $rows | Where-Object Module -eq $m) {
        Add-Line "| $m ``import; $($r.Command)`` | $(Ms $r.Wall) | $(Ms $r.Cpu) | $(Ms $r.AboveBare) ($('{0:N0}–{1:N0}' -f $r.AboveBareP25, $r.AboveBareP75)) | $(Ms $r.AboveBareCpu) | $($r.Jit) |"
    }
}
if ($flake8) { Add-Line "| ``python3 -m flake8`` alone (the tool Invoke-X0Test -Gate Lint runs) | $(Ms (Med 'flake8 alone')) | $(Ms $(if ($hasCpu) { Med 'flake8 alone' 'Cpu' })) | – | – | – |" }
Add-Line
Add-Line '## Breakdown (medians of per-round differences; wall, and CPU in brackets)'
Add-Line
Add-Line "| module | first command | pwsh start | import | first command | run recording | import + first command above bare | goal ≤ $Goal ms (wall) | loaded into the module's context |"
Add-Line '|---|---|---|---|---|---|---|---|---|'
function Both($w, $c) { if ($null -eq $c) { Ms $w } else { "$(Ms $w) ($(Ms $c))" } }
foreach ($r in $rows) {
    $above = if ($null -ne $r.WithoutTool) { $r.WithoutTool } else { $r.AboveBare }
    $aboveCpu = if ($null -ne $r.WithoutToolCpu) { $r.WithoutToolCpu } else { $r.AboveBareCpu }
    $label = (Both $above $aboveCpu) + $(if ($null -ne $r.WithoutTool) { ', flake8''s own time taken out' } else { '' })
    Add-Line "| $($r.Module) | ``$($r.Command)`` | $(Both $r.Start $(if ($hasCpu) { Med 'bare' 'Cpu' })) | $(Both $r.Import $r.ImportCpu) | $(Both $r.First $r.FirstCpu) | $(Both $r.Recording $r.RecordingCpu) | $label | $(if ($above -le $Goal) { 'met' } else { '**missed**' }) | $($r.Loads) |"
}
Add-Line
Add-Line "Floor for comparison: ``Get-Variable PID`` alone is $(Ms (Pair 'floor' 'bare').Median) above bare — PowerShell's own cost of a first command that prints an object (parameter binding, the formatting and output pipeline, JIT-compiled because this pwsh's assemblies are not precompiled), which any module's first command that prints a table pays too."
if ($CompareModulePath) {
    Add-Line
    Add-Line '| first command | before: above bare | after: above bare | after ÷ before |'
    Add-Line '|---|---|---|---|'
    foreach ($c in $firstCommands.Keys) {
        $b = ($rows | Where-Object { $_.Module -eq 'before' -and $_.Command -eq $c }).AboveBare
        $a = ($rows | Where-Object { $_.Module -eq 'after' -and $_.Command -eq $c }).AboveBare
        Add-Line "| ``$c`` | $(Ms $b) | $(Ms $a) | $('{0:N2}' -f ($a / $b)) |"
    }
}
if ($changelog) {
    $c = $changelog
    Add-Line
    Add-Line "## Full CHANGELOG of $('{0:N0}' -f $c.Commits) commits ($($c.Tags) tags, $($c.Notes) releases) in one session"
    Add-Line
    Add-Line '| measure | x0tta6bl4 ``Get-X0ReleaseNote -All \| % Markdown`` | ``git log`` of the same commits | ratio x0 ÷ git log | goal |'
    Add-Line '|---|---|---|---|---|'
    Add-Line "| first call after the import (wall) | $(Ms $c.First.Ms) (CPU $(Ms $c.First.Cpu)) | $(Ms $c.First.Git) | $('{0:N2}' -f ($c.First.Ms / $c.First.Git)) | ≤ $(Ms $ChangelogGoal) $(if ($c.First.Ms -le $ChangelogGoal) { 'met' } else { '**missed**' }) |"
    Add-Line "| later calls, median of $($ChangelogRuns - 1) (wall) | $(Ms $c.Later.Median) (CPU $(Ms $c.LaterCpu.Median)) | $(Ms $c.Git.Median) | $('{0:N2}' -f $c.Ratio.Median) (median of per-run ratios) | ≤ $(Ms $ChangelogGoal) $(if ($c.Later.Median -le $ChangelogGoal) { 'met' } else { '**missed**' }) |"
    Add-Line
    Add-Line 'CPU is all threads of the session (the ranges between tags are read on as many threads as there are cores), so it can exceed the wall time.'
}
$report = $md.ToString()
Set-Content -LiteralPath (Join-Path $OutputPath 'startup.md') -Value $report -Encoding utf8NoBOM
[ordered]@{ Runs = $Runs; Load = $load; Rows = $rows; Jit = $jit; Samples = $samples; Changelog = $changelog } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath (Join-Path $OutputPath 'startup.json') -Encoding utf8NoBOM
Write-Host ''
Write-Host $report
