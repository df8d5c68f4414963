<#
.SYNOPSIS
    Runs Publish-X0Release in a NEW pwsh process for PublishX0Release.Tests.ps1 (concurrent runs, exit
    codes, the GitHub Actions surface on stdout). The token comes from GITHUB_TOKEN. With -StartSignal the
    process imports the module, creates <StartSignal>.ready-<PID> and waits for <StartSignal> to exist, so
    two processes publish at the same moment. Writes the release as JSON to -ResultPath; exits 1 when the
    release did not succeed.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $Repository,
    [Parameter(Mandatory)] [string] $ApiUrl,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $StartSignal,
    [switch] $SkipTests
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module $ModulePath

if ($StartSignal) {
    New-Item -ItemType File -Path "$StartSignal.ready-$PID" -Force | Out-Null
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not (Test-Path $StartSignal)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "No start signal at $StartSignal within 120 s." }
        Start-Sleep -Milliseconds 20
    }
}

$release = Publish-X0Release -Path $Path -Repository $Repository -ApiUrl $ApiUrl -Package None -SkipTests:$SkipTests -ErrorAction Continue -ErrorVariable failures
[ordered]@{
    Pid       = $PID
    Succeeded = $release.Succeeded
    Url       = $release.Url
    Draft     = $release.Draft
    TestsPassed = if ($release.TestRun) { $release.TestRun.Passed } else { $null }
    Steps     = @($release.Steps | ForEach-Object { [ordered]@{ Name = $_.Name; Status = $_.Status; Detail = $_.Detail; ErrorId = $_.ErrorId } })
    Errors    = @($failures | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
} | ConvertTo-Json -Depth 5 | Set-Content -Path $ResultPath -Encoding utf8NoBOM
if (-not $release.Succeeded) { exit 1 }
exit 0
