<#
.SYNOPSIS
    x0tta6bl4 releases itself with itself: Step-X0Version | (build the new version) | Publish-X0Release.
.DESCRIPTION
    Run by ./build.ps1 Release (in a child pwsh, with the module staged from HEAD) and so by
    .github/workflows/release.yml. The steps:
      1. Step-X0Version -Auto (or -Patch/-Minor/-Major): ModuleVersion in x0tta6bl4.psd1, the sample's
         workflow pins and CHANGELOG.md's new section (x0tta6bl4.toml), one commit, an annotated tag, all
         local. NoRelease (nothing releasable since the last tag) ends the run with exit 0.
      2. ./build.ps1 <BuildTask> stages the new version under out/x0tta6bl4/<version>/ (Package: with the
         ReadyToRun images of every shipped RID and the PSResourceGet round trip).
      3. Publish-X0Release -Package PowerShell: preflight, the gates through Invoke-X0Test's engine (xunit,
         Pester, PSScriptAnalyzer, and the sample project's Python gates), notes, the nupkg, the push of
         the release commit and tag, assets (nupkg + SHA256SUMS), the Gallery, the GitHub release.
    -Plan does all of it in a scratch clone instead, where the bump and the build are real and
    Publish-X0Release runs with -WhatIf: this repository, its remote, the Gallery and GitHub are not touched.
#>
[CmdletBinding()]
param(
    # The staged module of HEAD, which runs the release.
    [Parameter(Mandatory)] [string] $ModulePath,
    [ValidateSet('Auto', 'Patch', 'Minor', 'Major')]
    [string] $Bump = 'Auto',
    # Plan only: every read-only check, the plan of each step, nothing written here or remotely.
    [switch] $Plan,
    # Leave the gates out (recorded on the release as TestsSkipped): the end-to-end test, whose suite
    # is the gates run itself.
    [switch] $SkipGates,
    # The build task for the new version: Package (the release) or Build (quicker, for tests).
    [ValidateSet('Package', 'Build')]
    [string] $BuildTask = 'Package',
    [switch] $NoReadyToRun,
    # Where the nupkg goes: PSGallery (API key in PSGALLERY_API_KEY), a feed URL or a folder.
    [string[]] $NuGetRepository = @('PSGallery'),
    # GitHub: default from the remote and GITHUB_API_URL / GITHUB_TOKEN.
    [string] $ApiUrl,
    [string] $Repository
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = Split-Path -Parent $PSScriptRoot
Import-Module $ModulePath -Force
# The plan's build only has to stage the module that Publish-X0Release -WhatIf inspects.
if ($Plan) { $BuildTask = 'Build'; $NoReadyToRun = $true }

function Invoke-StageBuild([string] $Path) {
    # A new pwsh builds the bumped version: build.ps1 reads ModuleVersion when it starts.
    $arguments = @('pwsh', '-NoProfile', '-NonInteractive', (Join-Path $Path 'build.ps1'), $BuildTask)
    if ($NoReadyToRun) { $arguments += '-NoReadyToRun' }
    Push-Location $Path
    try { & dotnet @arguments | Out-Host } finally { Pop-Location }
    if ($LASTEXITCODE -ne 0) { throw "./build.ps1 $BuildTask of the new version failed (exit $LASTEXITCODE)." }
}

function Get-PublishParameters {
    $publish = @{ Package = 'PowerShell'; NuGetRepository = $NuGetRepository }
    if ($SkipGates) { $publish.SkipTests = $true }
    if ($ApiUrl) { $publish.ApiUrl = $ApiUrl }
    if ($Repository) { $publish.Repository = $Repository }
    $publish
}

function Invoke-StagedBuildOf($Change) {
    Write-Host "==> Build $($Change.Version) ($($Change.Tag) at $($Change.Commit.Substring(0, 12)))"
    Invoke-StageBuild $Change.Path
    # The gates' Pester suite and in-process xunit host import the staged module of the version released.
    $version = (Import-PowerShellDataFile (Join-Path $Change.Path 'x0tta6bl4.psd1')).ModuleVersion
    $env:X0_MODULE_PATH = Join-Path $Change.Path "out/x0tta6bl4/$version/x0tta6bl4.psd1"
}

function Invoke-ReleaseBuild {
    # Passes Step-X0Version's object on once the new version is staged, so Publish-X0Release packs it.
    param([Parameter(ValueFromPipeline)] $Change)
    process {
        if ($Change.Status -eq 'NoRelease') { Write-Host "No release: $($Change.Reason)"; return }
        Invoke-StagedBuildOf $Change
        $Change
    }
}

$bumpParameters = @{ $Bump = $true; Path = $Root }

if (-not $Plan) {
    $publish = Get-PublishParameters
    $release = Step-X0Version @bumpParameters -ErrorAction Stop | Invoke-ReleaseBuild | Publish-X0Release @publish -ErrorAction Stop
    if ($release) {
        $release.Steps | Format-Table Name, Status, Detail -AutoSize -Wrap | Out-Host
        Write-Host "Released $($release.Tag): $($release.Url)"
    }
    return
}

Write-Host '==> Release plan: nothing is committed, tagged, pushed or published here'
Write-Host "--- Step-X0Version -$Bump -WhatIf (this repository)"
Step-X0Version @bumpParameters -WhatIf
$next = Get-X0ReleaseNote -Path $Root
if (-not $next.IsUnreleased -or $next.Level -eq 'None') {
    Write-Host "Nothing to release: $($next.Reason)"
    return
}
Write-Host "--- The notes of $($next.Version) (Get-X0ReleaseNote), as the GitHub release and CHANGELOG.md get them"
$lines = $next.Markdown -split "`n"
$lines | Select-Object -First 25 | Out-Host
if ($lines.Count -gt 25) { Write-Host "    ... $($lines.Count - 25) more lines" }

# The rest runs in a scratch clone: there the bump and the build are real, and Publish-X0Release shows
# its plan for the new tag with every read-only check.
$scratch = Join-Path ([System.IO.Path]::GetTempPath()) ('x0-release-plan-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    Write-Host "--- In a scratch clone ($scratch): Step-X0Version -$Bump, ./build.ps1 $BuildTask, Publish-X0Release -WhatIf"
    & git clone --quiet --no-hardlinks $Root $scratch
    if ($LASTEXITCODE -ne 0) { throw "git clone of $Root failed (exit $LASTEXITCODE)." }
    $origin = (& git -C $Root remote get-url origin 2>$null)
    if ($origin) { & git -C $scratch remote set-url origin $origin }
    foreach ($key in 'user.name', 'user.email') {
        if (-not (& git -C $scratch config $key)) { & git -C $scratch config $key $(if ($key -eq 'user.name') { 'x0tta6bl4 release plan' } else { 'plan@x0tta6bl4.invalid' }) }
    }
    $bumpParameters.Path = $scratch
    $change = Step-X0Version @bumpParameters -ErrorAction Stop
    Write-Host "    $($change.PreviousVersion) -> $($change.Version), tag $($change.Tag), commit $($change.Commit.Substring(0, 12)): $($change.Reason)"
    foreach ($file in $change.Files) { Write-Host "    $($file.Path):$($file.Line): $($file.After.Trim())" }
    if ($change.Changelog) { Write-Host "    $($change.Changelog): the section of $($change.Version)" }
    Invoke-StagedBuildOf $change
    $publish = Get-PublishParameters
    # Every step's plan, also when a read fails (a feed or GitHub out of reach): the plan says so.
    $release = Publish-X0Release @publish -Path $scratch -Tag $change.Tag -WhatIf -ErrorAction SilentlyContinue -ErrorVariable planErrors
    foreach ($step in @($release | Where-Object { $_ }).Steps) { Write-Host ("    {0,-15} {1,-8} {2}" -f $step.Name, $step.Status, $step.Detail) }
    foreach ($e in $planErrors) { Write-Host "    ERROR $($e.FullyQualifiedErrorId): $e" }
    if ($planErrors) { throw "The release would fail: $($planErrors[0])" }
} finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
}
