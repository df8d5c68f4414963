<#
.SYNOPSIS
    Runs the Pester suite in this (child) pwsh against the staged module and writes a JSON summary.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestsPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [Parameter(Mandatory)] [string] $ResultsPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
# Tests import the module themselves (from this path), each in the same child process.
$env:X0_MODULE_PATH = $ModulePath

$config = New-PesterConfiguration
$paths = Get-ChildItem $TestsPath -Filter *.Tests.ps1 -Recurse | Where-Object { -not $Filter -or $_.Name -like "*$Filter*" }
$config.Run.Path = @($paths.FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'JUnitXml'
$config.TestResult.OutputPath = $ResultsPath
# Stand-ins started by the tests (tests/StandIns) are shared across files and stopped here, by PID.
$env:X0_STANDIN_PIDFILE = Join-Path ([System.IO.Path]::GetTempPath()) "x0-standin-pids-$PID.txt"
try {
    $result = Invoke-Pester -Configuration $config
} finally {
    if (Test-Path $env:X0_STANDIN_PIDFILE) {
        foreach ($id in Get-Content $env:X0_STANDIN_PIDFILE) { Stop-Process -Id ([int]$id) -Force -ErrorAction SilentlyContinue }
        Remove-Item $env:X0_STANDIN_PIDFILE -Force -ErrorAction SilentlyContinue
    }
    # Tests that need the Docker engine and registry start them once per run (DockerTestEnvironment.psm1).
    if ($env:X0_PESTER_DOCKER_STATE) {
        Import-Module (Join-Path $TestsPath 'DockerTestEnvironment.psm1') -Force
        Stop-X0TestDocker
    }
}

$skipped = @($result.Skipped | ForEach-Object { $_.ExpandedPath })
[ordered]@{
    Passed       = $result.PassedCount
    Failed       = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped      = $result.SkippedCount
    SkippedNames = $skipped
} | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8NoBOM
exit 0
