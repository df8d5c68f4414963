<#
.SYNOPSIS
    Benchmarks Invoke-X0Test's gates, as ratios against running the same tools by hand.
.DESCRIPTION
    1. The sample project's four gates (pytest + coverage, flake8, mypy, black) through Invoke-X0Test in
       parallel and with -Sequential (ratio).
    2. The same four tools started by hand from a bash script, one after another, and each alone: the
       overhead of Invoke-X0Test against the hand-run script, and its wall time against the slowest tool.
    3. JUnit parsing: a generated 100,000-testcase file read by the streaming reader, against loading it
       into an XmlDocument (what a script does with [xml]) and against Python's ElementTree.
    Medians of -Runs runs after one warm-up (mypy's cache and Python's bytecode warm). Writes gates.json
    and gates.md to -OutputPath.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bench'),
    [string] $SamplePath = (Join-Path $PSScriptRoot '../samples/python-project'),
    [int] $Runs = 5,
    [int] $JUnitCases = 100000
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$PSStyle.OutputRendering = 'PlainText'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath -Force
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
foreach ($name in 'CI', 'GITHUB_ACTIONS') { [Environment]::SetEnvironmentVariable($name, $null) }

$python = '/usr/bin/python3'
if (-not (Test-Path $python)) { $python = (Get-Command python3).Source }
function Get-Median([double[]] $Values) { $s = $Values | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
function Measure-Seconds([scriptblock] $Block) { $w = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $w.Elapsed.TotalSeconds }

$work = Join-Path ([IO.Path]::GetTempPath()) "x0-bench-gates-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
New-Item -ItemType Directory -Force -Path $work | Out-Null
Copy-Item -Path (Join-Path $SamplePath '*') -Destination $work -Recurse
Get-ChildItem -Path $SamplePath -Force -Filter '.*' | Copy-Item -Destination $work -Recurse -Force
$raw = Join-Path $work 'bench-raw'
New-Item -ItemType Directory -Force -Path $raw | Out-Null

# The same commands Invoke-X0Test runs, by hand.
$tools = [ordered]@{
    pytest = "$python -m pytest --junitxml=$raw/junit.xml -o junit_family=xunit2 --cov --cov-report=xml:$raw/coverage.xml --cov-report="
    flake8 = "$python -m flake8"
    mypy   = "$python -m mypy --show-column-numbers --show-error-codes --no-color-output --no-error-summary"
    black  = "$python -m black --check --diff --no-color ."
}
$script = Join-Path $raw 'gates.sh'
Set-Content -Path $script -Value ("#!/usr/bin/env bash`ncd '$work'`nstatus=0`n" + (($tools.Values | ForEach-Object { "$_ >/dev/null 2>&1 || status=1" }) -join "`n") + "`nexit `$status`n")

# The best a shell script can do on two cores: the same tools in two lanes.
$scriptParallel = Join-Path $raw 'gates-parallel.sh'
$t = @($tools.Values)
Set-Content -Path $scriptParallel -Value ("#!/usr/bin/env bash`ncd '$work'`n( $($t[0]) >/dev/null 2>&1; $($t[2]) >/dev/null 2>&1 ) &`n( $($t[1]) >/dev/null 2>&1; $($t[3]) >/dev/null 2>&1 ) &`nwait`n")

Write-Host "==> warm-up"
Invoke-X0Test -Path $work | Out-Null
& bash $script

$results = [ordered]@{}
Write-Host "==> $Runs rounds (each round measures every variant once, so load from other processes hits them alike)"
$samples = @{ parallel = @(); sequential = @(); handScript = @(); handParallel = @() }
foreach ($t in $tools.Keys) { $samples[$t] = @() }
foreach ($round in 1..$Runs) {
    $samples.parallel += Measure-Seconds { Invoke-X0Test -Path $work }
    $samples.sequential += Measure-Seconds { Invoke-X0Test -Path $work -Sequential }
    $samples.handScript += Measure-Seconds { & bash $script }
    $samples.handParallel += Measure-Seconds { & bash $scriptParallel }
    foreach ($t in $tools.Keys) {
        $samples[$t] += Measure-Seconds { & bash -c "cd '$work' && $($tools[$t]) >/dev/null 2>&1" }
    }
}
# Minimums as well: on a shared machine the fastest round is the one least disturbed by others.
$results.min = [ordered]@{}
foreach ($k in @('parallel', 'sequential', 'handScript', 'handParallel') + @($tools.Keys)) { $results.min[$k] = ($samples[$k] | Measure-Object -Minimum).Minimum }
$minSlowest = ($tools.Keys | ForEach-Object { $results.min[$_] } | Measure-Object -Maximum).Maximum
$minIdeal = [math]::Max($minSlowest, (($tools.Keys | ForEach-Object { $results.min[$_] } | Measure-Object -Sum).Sum / [Environment]::ProcessorCount))
$results.minRatios = [ordered]@{
    sequentialOverParallel = [math]::Round($results.min.sequential / $results.min.parallel, 2)
    parallelOverHandScript = [math]::Round($results.min.parallel / $results.min.handScript, 2)
    parallelOverHandParallel = [math]::Round($results.min.parallel / $results.min.handParallel, 2)
    handSequentialOverHandParallel = [math]::Round($results.min.handScript / $results.min.handParallel, 2)
    sequentialOverHandScript = [math]::Round($results.min.sequential / $results.min.handScript, 2)
    parallelOverSlowestTool = [math]::Round($results.min.parallel / $minSlowest, 2)
    parallelOverIdeal = [math]::Round($results.min.parallel / $minIdeal, 2)
}
$results.parallel = Get-Median $samples.parallel
$results.sequential = Get-Median $samples.sequential
$results.handScript = Get-Median $samples.handScript
$results.handParallel = Get-Median $samples.handParallel
$single = [ordered]@{}
foreach ($t in $tools.Keys) { $single[$t] = Get-Median $samples[$t] }
$slowest = ($single.GetEnumerator() | Sort-Object Value -Descending | Select-Object -First 1)
$results.singleTools = $single
$results.slowestTool = $slowest.Key
$results.slowestToolSeconds = $slowest.Value
$results.sequentialOverParallel = [math]::Round($results.sequential / $results.parallel, 2)
$results.parallelOverHandScript = [math]::Round($results.parallel / $results.handScript, 2)
$results.parallelOverHandParallel = [math]::Round($results.parallel / $results.handParallel, 2)
$results.handSequentialOverHandParallel = [math]::Round($results.handScript / $results.handParallel, 2)
$results.sequentialOverHandScript = [math]::Round($results.sequential / $results.handScript, 2)
$results.parallelOverSlowestTool = [math]::Round($results.parallel / $slowest.Value, 2)
$results.cores = [Environment]::ProcessorCount
# The best any scheduler can do here: the slowest tool, or all the tools' work spread over the cores.
$results.idealParallel = [math]::Max($slowest.Value, (($single.Values | Measure-Object -Sum).Sum / $results.cores))
$results.parallelOverIdeal = [math]::Round($results.parallel / $results.idealParallel, 2)
$results.loadAverage = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 1

Write-Host "==> JUnit parse, $JUnitCases test cases"
$junit = Join-Path $raw 'big-junit.xml'
$writer = [IO.StreamWriter]::new($junit, $false, [Text.UTF8Encoding]::new($false))
$writer.WriteLine('<?xml version="1.0" encoding="utf-8"?>')
$writer.WriteLine("<testsuites><testsuite name=`"big`" tests=`"$JUnitCases`">")
for ($i = 0; $i -lt $JUnitCases; $i++) {
    $suite = [math]::Floor($i / 1000)
    if ($i % 1000 -eq 0 -and $i -gt 0) { $writer.WriteLine("</testsuite><testsuite name=`"suite$suite`">") }
    if ($i % 100 -eq 7) {
        $writer.WriteLine("<testcase classname=`"tests.test_mod$suite`" name=`"test_case_$i`" time=`"0.0$($i % 10)`"><failure message=`"assert $i == 0`">tests/test_mod$suite.py:$($i % 400 + 1): AssertionError</failure><system-out>output of $i</system-out></testcase>")
    } elseif ($i % 100 -eq 9) {
        $writer.WriteLine("<testcase classname=`"tests.test_mod$suite`" name=`"test_case_$i`" time=`"0`"><skipped message=`"not here`"/></testcase>")
    } else {
        $writer.WriteLine("<testcase classname=`"tests.test_mod$suite`" name=`"test_case_$i`" time=`"0.00$($i % 10)`"/>")
    }
}
$writer.WriteLine('</testsuite></testsuites>')
$writer.Dispose()
$sizeMb = [math]::Round((Get-Item $junit).Length / 1MB, 1)

$core = Join-Path (Split-Path $ModulePath) 'dependencies/X0tta6bl4.Core.dll'
$pwsh = if ((Split-Path -Leaf ([Environment]::ProcessPath)) -like 'dotnet*') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
# In a fresh process, so the engine loads on its own and the heap figures are this parse's.
$parseScript = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$core'
`$null = [X0tta6bl4.Core.Testing.Reports.TestReportDigest]::Read('$junit', '$work', '$work', 'bench', `$null, 10)
`$times = foreach (`$i in 1..$Runs) {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    `$before = [GC]::GetTotalMemory(`$true)
    `$alloc = [GC]::GetTotalAllocatedBytes(`$true)
    `$w = [Diagnostics.Stopwatch]::StartNew()
    `$d = [X0tta6bl4.Core.Testing.Reports.TestReportDigest]::Read('$junit', '$work', '$work', 'bench', `$null, 10)
    `$s = `$w.Elapsed.TotalSeconds
    `$after = [GC]::GetTotalMemory(`$false)
    [pscustomobject]@{ Seconds = `$s; Cases = `$d.Counts.Total; Failures = `$d.Failures.Count; RetainedMb = [math]::Round((`$after - `$before) / 1MB, 1); AllocatedMb = [math]::Round(([GC]::GetTotalAllocatedBytes(`$true) - `$alloc) / 1MB, 1) }
}
`$dom = foreach (`$i in 1..$Runs) {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    `$before = [GC]::GetTotalMemory(`$true)
    `$w = [Diagnostics.Stopwatch]::StartNew()
    `$doc = [System.Xml.XmlDocument]::new(); `$doc.Load('$junit')
    `$n = `$doc.SelectNodes('//testcase').Count
    `$s = `$w.Elapsed.TotalSeconds
    [pscustomobject]@{ Seconds = `$s; HeldMb = [math]::Round(([GC]::GetTotalMemory(`$false) - `$before) / 1MB, 1) }
    `$doc = `$null
}
[pscustomobject]@{ Stream = `$times; Dom = `$dom } | ConvertTo-Json -Depth 4 -Compress
"@
$parse = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $parseScript) | ConvertFrom-Json
$etree = Get-Median (1..$Runs | ForEach-Object {
    [double](& $python -c "import time, xml.etree.ElementTree as ET; t = time.perf_counter(); r = ET.parse('$junit').getroot(); n = sum(1 for _ in r.iter('testcase')); print(time.perf_counter() - t)")
})
$streamSeconds = Get-Median $parse.Stream.Seconds
$results.junit = [ordered]@{
    cases = $parse.Stream[0].Cases
    failures = $parse.Stream[0].Failures
    fileMb = $sizeMb
    streamSeconds = [math]::Round($streamSeconds, 3)
    casesPerSecond = [math]::Round($parse.Stream[0].Cases / $streamSeconds)
    streamRetainedMb = ($parse.Stream.RetainedMb | Measure-Object -Maximum).Maximum
    streamAllocatedMb = Get-Median $parse.Stream.AllocatedMb
    xmlDocumentSeconds = [math]::Round((Get-Median $parse.Dom.Seconds), 3)
    xmlDocumentHeldMb = Get-Median $parse.Dom.HeldMb
    pythonElementTreeSeconds = [math]::Round($etree, 3)
    xmlDocumentOverStream = [math]::Round((Get-Median $parse.Dom.Seconds) / $streamSeconds, 2)
    elementTreeOverStream = [math]::Round($etree / $streamSeconds, 2)
}

$results | ConvertTo-Json -Depth 4 | Set-Content -Path (Join-Path $OutputPath 'gates.json') -Encoding utf8NoBOM
$j = $results.junit
$md = @"
# Gates benchmark ($([Environment]::ProcessorCount) cores, median of $Runs, warm caches)

| measure | seconds | ratio |
|---|---:|---|
| Invoke-X0Test, parallel | $('{0:0.00}' -f $results.parallel) | |
| Invoke-X0Test -Sequential | $('{0:0.00}' -f $results.sequential) | sequential / parallel = $($results.sequentialOverParallel) |
| the four tools by hand (bash, one after another) | $('{0:0.00}' -f $results.handScript) | parallel / by hand = $($results.parallelOverHandScript); sequential / by hand = $($results.sequentialOverHandScript) |
| the four tools by hand in two bash lanes | $('{0:0.00}' -f $results.handParallel) | parallel / two lanes by hand = $($results.parallelOverHandParallel); by hand one lane / two lanes = $($results.handSequentialOverHandParallel) (what the machine allows) |
$(($single.GetEnumerator() | ForEach-Object { "| $($_.Key) alone | $('{0:0.00}' -f $_.Value) | |" }) -join "`n")
| slowest single tool ($($results.slowestTool)) | $('{0:0.00}' -f $results.slowestToolSeconds) | parallel / slowest tool = $($results.parallelOverSlowestTool) (goal <= 1.1) |
| ideal on $($results.cores) cores: max(slowest, sum / cores) | $('{0:0.00}' -f $results.idealParallel) | parallel / ideal = $($results.parallelOverIdeal) |

Fastest rounds (least disturbed): parallel $('{0:0.00}' -f $results.min.parallel) s, sequential $('{0:0.00}' -f $results.min.sequential) s, by hand $('{0:0.00}' -f $results.min.handScript) s;
two lanes by hand $('{0:0.00}' -f $results.min.handParallel) s; sequential / parallel = $($results.minRatios.sequentialOverParallel), parallel / by hand = $($results.minRatios.parallelOverHandScript), parallel / two lanes by hand = $($results.minRatios.parallelOverHandParallel), one lane / two lanes by hand = $($results.minRatios.handSequentialOverHandParallel), sequential / by hand = $($results.minRatios.sequentialOverHandScript), parallel / slowest tool = $($results.minRatios.parallelOverSlowestTool), parallel / ideal = $($results.minRatios.parallelOverIdeal).

Load average at the end: $($results.loadAverage) (the machine is shared; ratios are taken round by round).

JUnit: $($j.cases) test cases ($($j.failures) failures, $($j.fileMb) MB): streaming reader $($j.streamSeconds) s ($($j.casesPerSecond) cases/s), retained $($j.streamRetainedMb) MB, allocated $($j.streamAllocatedMb) MB;
XmlDocument $($j.xmlDocumentSeconds) s holding $($j.xmlDocumentHeldMb) MB (x$($j.xmlDocumentOverStream)); Python ElementTree $($j.pythonElementTreeSeconds) s (x$($j.elementTreeOverStream)).
"@
Set-Content -Path (Join-Path $OutputPath 'gates.md') -Value $md -Encoding utf8NoBOM
Write-Host $md
Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
