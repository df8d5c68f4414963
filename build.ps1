#requires -Version 7.4
<#
.SYNOPSIS
    The one entry point: Build, Test, Package, Demo, Bench, Changelog, Release.
.DESCRIPTION
    Start from a fresh clone with only the .NET SDK:
        dotnet tool restore && dotnet pwsh ./build.ps1 Demo
        dotnet tool restore && dotnet pwsh ./build.ps1 Test
    Build stages the module to out/x0tta6bl4/<version>/. Test runs xunit (Core) and then Pester in a
    child pwsh against the staged module, and ends with one line "N passed, N failed[, N skipped]".
    With X0_REQUIRE_INTEGRATION=1 (CI) a skipped test counts as a failure.
    Release releases the module with itself (build/Invoke-Release.ps1): Step-X0Version -Auto, a build of
    the new version, Publish-X0Release to the PowerShell Gallery and GitHub. Release -WhatIf plans it.
    Changelog writes the commits since the last release into CHANGELOG.md's [Unreleased] (-WhatIf: the diff).
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench', 'Clean', 'Changelog', 'Release')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run only Pester files whose name matches (e.g. StepX0Version).
    [string] $PesterFilter,

    # Skip the xunit or Pester half of Test.
    [switch] $SkipXunit,
    [switch] $SkipPester,

    # Stage without ReadyToRun images (Build adds them for this machine's RID, Package for all shipped RIDs).
    [switch] $NoReadyToRun,

    # Release: how to bump (Auto reads the Conventional Commits since the last tag).
    [ValidateSet('Auto', 'Patch', 'Minor', 'Major')]
    [string] $Bump = 'Auto'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# -WhatIf plans the Release and Changelog tasks; building and staging always run for real.
$PlanOnly = [bool]$WhatIfPreference
$WhatIfPreference = $false
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:NO_COLOR = '1'

$Root = $PSScriptRoot
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'x0tta6bl4.psd1')
$ModuleVersion = $Manifest.ModuleVersion
$StageRoot = Join-Path $Root 'out' 'x0tta6bl4'
$Stage = Join-Path $StageRoot $ModuleVersion
$ShippedRids = 'linux-x64', 'linux-arm64', 'osx-arm64', 'osx-x64', 'win-x64'

function Get-HostRid {
    $arch = "$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)".ToLowerInvariant()
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$arch"
}

function Add-ReadyToRun([string[]] $Rids) {
    # ReadyToRun images of the engine and its managed dependencies, one folder per RID, next to the
    # portable IL copies: Hosting/DependencyLoadContext prefers dependencies/r2r/<tfm>/<rid>/ on a
    # matching runtime, so a new pwsh JIT-compiles far less on the first call (see bench/README.md).
    $project = Join-Path $Root 'build/ReadyToRun/ReadyToRun.csproj'
    $tfm = @(([xml](Get-Content -Raw $project)).Project.PropertyGroup.TargetFramework | Where-Object { $_ })[0]
    $deps = Join-Path $Stage 'dependencies'
    $portable = @(Get-ChildItem $deps -Filter *.dll -File | ForEach-Object Name)
    foreach ($rid in $Rids) {
        $target = Join-Path $deps "r2r/$tfm/$rid"
        if (Test-Path $target) { continue }
        $publish = Join-Path $Root "build/ReadyToRun/bin/publish/$rid"
        Invoke-Native dotnet @('publish', $project, '-c', $Configuration, '-r', $rid, '-o', $publish, '--nologo', '-v:q', '-clp:ErrorsOnly') | Out-Null
        New-Item -ItemType Directory -Force -Path $target | Out-Null
        foreach ($name in $portable) {
            $image = Join-Path $publish $name
            if (Test-Path $image) { Copy-Item $image $target; continue }
            # The newer runtime ships some packages' assemblies itself (System.IO.Pipelines for net10):
            # the publish leaves them out, and the load context then uses the portable copy.
            if ($name -like 'X0tta6bl4.*') { throw "The ReadyToRun publish for $rid has no ${name}: check build/ReadyToRun/ReadyToRun.csproj." }
        }
        Write-Host "    ReadyToRun images for $tfm/$rid"
    }
}

function Invoke-Native {
    param([string] $File, [string[]] $Arguments, [switch] $AllowFailure)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) {
        throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE"
    }
    $LASTEXITCODE
}

function Invoke-Child {
    # A child pwsh from the same tool manifest: tests never import the module into the build session.
    param([string] $Script, [string[]] $Arguments = @())
    Push-Location $Root
    try {
        & dotnet pwsh -NoProfile -NonInteractive -File $Script @Arguments | Out-Host
        $LASTEXITCODE
    } finally { Pop-Location }
}

function Invoke-Build {
    Write-Host "==> Build $ModuleVersion ($Configuration)"
    # A release build (the tag of this version names HEAD) records its commit for New-X0Workflow's setup pin.
    $releaseCommit = ''
    if ((& git -C $Root tag --points-at HEAD 2>$null) -contains "v$ModuleVersion") { $releaseCommit = (& git -C $Root rev-parse HEAD).Trim() }
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/X0tta6bl4/X0tta6bl4.csproj'), '-c', $Configuration, '--nologo', '-v:q', '-clp:ErrorsOnly', "-p:X0ReleaseCommit=$releaseCommit") | Out-Null

    $cmdletsOut = Join-Path $Root "src/X0tta6bl4/bin/$Configuration/net8.0"
    $coreOut = Join-Path $Root "src/X0tta6bl4.Core/bin/$Configuration/net8.0"

    # The assembly version comes from the manifest through MSBuild; prove they agree.
    $built = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $cmdletsOut 'X0tta6bl4.dll')).Version
    $expected = [version]$ModuleVersion
    if ($built.Major -ne $expected.Major -or $built.Minor -ne $expected.Minor -or $built.Build -ne $expected.Build) {
        throw "Version mismatch: x0tta6bl4.psd1 says $ModuleVersion but X0tta6bl4.dll is $built. Rebuild after a clean (./build.ps1 Clean Build)."
    }

    if (Test-Path $Stage) { Remove-Item $Stage -Recurse -Force }
    $deps = Join-Path $Stage 'dependencies'
    New-Item -ItemType Directory -Force -Path $deps | Out-Null

    Copy-Item (Join-Path $Root 'x0tta6bl4.psd1') $Stage
    Copy-Item (Join-Path $cmdletsOut 'X0tta6bl4.dll'), (Join-Path $cmdletsOut 'X0tta6bl4.pdb') $Stage
    Copy-Item (Join-Path $Root 'module/*.ps1xml') $Stage
    if (Test-Path (Join-Path $Root 'module/en-US')) {
        Copy-Item (Join-Path $Root 'module/en-US') $Stage -Recurse
    }

    Get-ChildItem $coreOut -File | Where-Object { $_.Extension -in '.dll', '.pdb' } | Copy-Item -Destination $deps
    foreach ($rid in $ShippedRids) {
        $native = Join-Path $coreOut "runtimes/$rid/native"
        if (Test-Path $native) {
            $target = Join-Path $deps "runtimes/$rid/native"
            New-Item -ItemType Directory -Force -Path $target | Out-Null
            Copy-Item (Join-Path $native '*') $target
        }
    }
    foreach ($rid in $ShippedRids) {
        if (-not (Get-ChildItem (Join-Path $deps "runtimes/$rid/native") -ErrorAction SilentlyContinue)) {
            throw "Staging is missing the native libraries for $rid (expected under dependencies/runtimes/$rid/native)."
        }
        # Every native library the engine loads through the private load context: libgit2 and SQLite.
        foreach ($native in 'git2', 'e_sqlite3') {
            if (-not (Get-ChildItem (Join-Path $deps "runtimes/$rid/native") -Filter "*$native*" -ErrorAction SilentlyContinue)) {
                throw "Staging is missing $native for $rid (expected under dependencies/runtimes/$rid/native)."
            }
        }
    }

    if (-not $NoReadyToRun -and $ShippedRids -contains (Get-HostRid)) { Add-ReadyToRun @(Get-HostRid) }

    # Help: MAML generated from module/help/*.md plus the cmdlets' real parameter metadata.
    $code = Invoke-Child (Join-Path $Root 'build/New-MamlHelp.ps1') @('-ModulePath', (Join-Path $Stage 'x0tta6bl4.psd1'), '-HelpSource', (Join-Path $Root 'module/help'), '-OutputPath', (Join-Path $Stage 'en-US/X0tta6bl4.dll-Help.xml'))
    if ($code -ne 0) { throw "Help generation failed (exit $code)." }
    Write-Host "    staged $Stage"
}

function Get-NuGetPackagesRoot {
    $line = (& dotnet nuget locals global-packages --list) -join "`n"
    if ($line -notmatch 'global-packages:\s*(.+)$') { throw "Cannot find the NuGet global packages folder: $line" }
    $Matches[1].Trim()
}

function Get-PesterModulePath {
    Invoke-Native dotnet @('restore', (Join-Path $Root 'build/Pester.Restore.csproj'), '--nologo', '-v:q') | Out-Null
    $path = Join-Path (Get-NuGetPackagesRoot) 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester was restored but $path does not exist." }
    $path
}

function Read-TrxCounts([string] $Directory) {
    $counts = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0; FailedNames = [System.Collections.Generic.List[string]]::new(); SkippedNames = [System.Collections.Generic.List[string]]::new() }
    foreach ($file in Get-ChildItem $Directory -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        [xml] $trx = Get-Content -Raw $file.FullName
        foreach ($r in $trx.TestRun.Results.UnitTestResult) {
            switch ($r.outcome) {
                'Passed' { $counts.Passed++ }
                'NotExecuted' { $counts.Skipped++; $counts.SkippedNames.Add($r.testName) }
                default { $counts.Failed++; $counts.FailedNames.Add($r.testName) }
            }
        }
    }
    $counts
}

function Invoke-Test {
    $passed = 0; $failed = 0; $skipped = 0
    $skippedNames = [System.Collections.Generic.List[string]]::new()
    $results = Join-Path $Root 'out/test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    # The stand-ins the tests start as processes (tests/StandIns): built once here, not per test.
    foreach ($standIn in Get-ChildItem (Join-Path $Root 'tests/StandIns') -Filter *.csproj -Recurse -Depth 1 -ErrorAction SilentlyContinue) {
        Invoke-Native dotnet @('build', $standIn.FullName, '-c', 'Release', '--nologo', '-v:q', '-clp:ErrorsOnly') | Out-Null
    }

    if (-not $SkipXunit) {
        Write-Host '==> xunit'
        $trxDir = Join-Path $results 'xunit'
        foreach ($project in Get-ChildItem (Join-Path $Root 'tests') -Filter *.Tests.csproj -Recurse) {
            $code = Invoke-Native dotnet @('test', $project.FullName, '-c', $Configuration, '--nologo', '-v:q',
                '--logger', 'trx', '--logger', 'console;verbosity=minimal', '--results-directory', $trxDir) -AllowFailure
            if ($code -ne 0 -and -not (Get-ChildItem $trxDir -Filter *.trx -ErrorAction SilentlyContinue)) {
                $failed++
                Write-Host "    $($project.Name): no results (build or host failure, exit $code)"
            }
        }
        $x = Read-TrxCounts $trxDir
        $passed += $x.Passed; $failed += $x.Failed; $skipped += $x.Skipped
        $x.SkippedNames | ForEach-Object { $skippedNames.Add("xunit: $_") }
        $x.FailedNames | ForEach-Object { Write-Host "    FAILED xunit: $_" }
        Write-Host "    xunit: $($x.Passed) passed, $($x.Failed) failed, $($x.Skipped) skipped"
    }

    if (-not $SkipPester) {
        Write-Host '==> Pester (child pwsh, staged module)'
        $summary = Join-Path $results 'pester-summary.json'
        $args = @('-ModulePath', (Join-Path $Stage 'x0tta6bl4.psd1'), '-PesterPath', (Get-PesterModulePath),
            '-TestsPath', (Join-Path $Root 'tests/Pester'), '-SummaryPath', $summary, '-ResultsPath', (Join-Path $results 'pester-junit.xml'))
        if ($PesterFilter) { $args += @('-Filter', $PesterFilter) }
        $code = Invoke-Child (Join-Path $Root 'build/Invoke-PesterSuite.ps1') $args
        if (Test-Path $summary) {
            $p = Get-Content -Raw $summary | ConvertFrom-Json
            $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
            $p.SkippedNames | ForEach-Object { $skippedNames.Add("pester: $_") }
            Write-Host "    pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
        } else {
            $failed++
            Write-Host "    Pester produced no summary (exit $code)"
        }
    }

    if ($env:X0_REQUIRE_INTEGRATION -eq '1' -and $skipped -gt 0) {
        Write-Host "X0_REQUIRE_INTEGRATION=1: $skipped skipped test(s) count as failures:"
        $skippedNames | ForEach-Object { Write-Host "    SKIPPED $_" }
        $failed += $skipped
        $skipped = 0
    }
    $line = "$passed passed, $failed failed" + $(if ($skipped) { ", $skipped skipped" } else { '' })
    Write-Host $line
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Package {
    Write-Host '==> Package'
    $r2r = @()
    if (-not $NoReadyToRun) { Add-ReadyToRun $ShippedRids; $r2r = @('-ReadyToRunRids', ($ShippedRids -join ',')) }
    $code = Invoke-Child (Join-Path $Root 'build/Invoke-PackageRoundTrip.ps1') (@('-StagePath', $Stage, '-OutputPath', (Join-Path $Root 'out/packages')) + $r2r)
    if ($code -ne 0) { throw "Package round-trip failed (exit $code)." }
}

function Invoke-Demo {
    Write-Host '==> Demo: the pipeline on samples/python-project'
    $code = Invoke-Child (Join-Path $Root 'build/Invoke-Demo.ps1') @('-ModulePath', (Join-Path $Stage 'x0tta6bl4.psd1'), '-SamplePath', (Join-Path $Root 'samples/python-project'))
    if ($code -ne 0) { throw "Demo failed (exit $code)." }
}

function Invoke-Bench {
    Write-Host '==> Bench'
    # bench/Invoke-Bench.ps1 plus every bench/*.Bench.ps1, each with the same two arguments.
    $scripts = @(Get-Item (Join-Path $Root 'bench/Invoke-Bench.ps1') -ErrorAction SilentlyContinue) +
        @(Get-ChildItem (Join-Path $Root 'bench') -Filter '*.Bench.ps1' -ErrorAction SilentlyContinue | Sort-Object Name)
    foreach ($script in $scripts) {
        $code = Invoke-Child $script.FullName @('-ModulePath', (Join-Path $Stage 'x0tta6bl4.psd1'), '-OutputPath', (Join-Path $Root 'out/bench'))
        if ($code -ne 0) { throw "Bench $($script.Name) failed (exit $code)." }
    }
}

function Invoke-Changelog {
    Write-Host "==> Changelog: the commits since the last release into [Unreleased]$(if ($PlanOnly) { ' (plan only)' })"
    $whatIf = if ($PlanOnly) { '-WhatIf' } else { '' }
    & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$(Join-Path $Stage 'x0tta6bl4.psd1')'; Update-X0Changelog -Path '$Root' -Unreleased $whatIf -ErrorAction Stop | Format-List Status, Path, Sections, Missing" | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Update-X0Changelog failed (exit $LASTEXITCODE)." }
}

function Invoke-Release {
    Write-Host "==> Release ($Bump$(if ($PlanOnly) { ', plan only' }))"
    $arguments = @('-ModulePath', (Join-Path $Stage 'x0tta6bl4.psd1'), '-Bump', $Bump)
    if ($PlanOnly) { $arguments += '-Plan' }
    if ($NoReadyToRun) { $arguments += '-NoReadyToRun' }
    $code = Invoke-Child (Join-Path $Root 'build/Invoke-Release.ps1') $arguments
    if ($code -ne 0) { throw "Release failed (exit $code)." }
}

Push-Location $Root
try {
    Invoke-Native dotnet @('tool', 'restore') | Out-Null
    foreach ($t in $Task) {
        switch ($t) {
            'Clean' { Remove-Item (Join-Path $Root 'out') -Recurse -Force -ErrorAction SilentlyContinue; Invoke-Native dotnet @('clean', (Join-Path $Root 'x0tta6bl4.sln'), '-v:q', '--nologo') | Out-Null }
            'Build' { Invoke-Build }
            'Test' { if ($Task -notcontains 'Build') { Invoke-Build }; Invoke-Test }
            'Package' { if ($Task -notcontains 'Build') { Invoke-Build }; Invoke-Package }
            'Demo' { if ($Task -notcontains 'Build') { Invoke-Build }; Invoke-Demo }
            'Bench' { if ($Task -notcontains 'Build') { Invoke-Build }; Invoke-Bench }
            'Changelog' { if ($Task -notcontains 'Build') { Invoke-Build }; Invoke-Changelog }
            'Release' { if ($Task -notcontains 'Build') { Invoke-Build }; Invoke-Release }
        }
    }
} finally {
    Pop-Location
}
