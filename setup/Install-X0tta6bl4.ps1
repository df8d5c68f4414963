#requires -Version 7.4
<#
.SYNOPSIS
    The setup action's work (action.yml at the repository root): resolve the version, install the
    module from a PSResourceGet repository into a folder of its own, put that folder on PSModulePath.
.DESCRIPTION
    -Step Resolve  writes version= and path= to GITHUB_OUTPUT (or returns them): the -Version given,
                   else ModuleVersion (+ Prerelease) of x0tta6bl4.psd1 next to this script, so the
                   action's ref decides the module's version.
    -Step Install  Save-PSResource x0tta6bl4 at that version into <Destination>/<version>/ (skipped when
                   the folder already holds it, as after a cache hit).
    -Step Activate prepends the folder to PSModulePath (for later steps through GITHUB_ENV, and for
                   this process), then imports the module to prove it loads.
    Outside Actions the same steps run in one call with -Step All, which the tests use against the
    package stand-ins.
#>
[CmdletBinding()]
param(
    [ValidateSet('Resolve', 'Install', 'Activate', 'All')]
    [string] $Step = 'All',
    # A version such as 0.2.0 or 0.2.0-rc1; empty: the version of the manifest next to this script.
    [string] $Version,
    # Where versions are installed: <Destination>/<version>/x0tta6bl4/<version>/.
    [string] $Destination = (Join-Path ($env:RUNNER_TOOL_CACHE ?? [System.IO.Path]::GetTempPath()) 'x0tta6bl4'),
    # A registered PSResourceGet repository name, or a feed URL / folder (registered for this call only).
    [string] $Repository = 'PSGallery'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Resolve-X0Version {
    if ($Version) { return $Version.Trim().TrimStart('v') }
    $manifest = Join-Path $PSScriptRoot '../x0tta6bl4.psd1'
    if (-not (Test-Path $manifest)) { throw "No -Version given and no x0tta6bl4.psd1 at $manifest to read it from: pass the version input." }
    $data = Import-PowerShellDataFile $manifest
    $pre = $data.PrivateData.PSData.Prerelease
    if ($pre) { "$($data.ModuleVersion)-$pre" } else { "$($data.ModuleVersion)" }
}

function Write-ActionValue([string] $File, [string] $Name, [string] $Value) {
    if ($File) { Add-Content -LiteralPath $File -Value "$Name=$Value" -Encoding utf8NoBOM }
}

function Install-X0Module([string] $Resolved, [string] $Folder) {
    if (Test-Path (Join-Path $Folder "x0tta6bl4/$($Resolved.Split('-')[0])/x0tta6bl4.psd1")) {
        Write-Host "x0tta6bl4 $Resolved is already in $Folder"
        return
    }
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $name = $Repository
    $registered = $false
    if ($Repository -match '^(https?://|/|[A-Za-z]:\\|\.)') {
        # A feed URL or a folder: a repository of its own for this call, removed afterwards.
        $name = 'x0-setup-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Register-PSResourceRepository -Name $name -Uri $Repository -Trusted
        $registered = $true
    }
    try {
        $save = @{ Name = 'x0tta6bl4'; Version = $Resolved; Repository = $name; Path = $Folder; TrustRepository = $true; SkipDependencyCheck = $true }
        if ($Resolved.Contains('-')) { $save.Prerelease = $true }
        Save-PSResource @save
    } finally {
        if ($registered) { Unregister-PSResourceRepository -Name $name -ErrorAction SilentlyContinue }
    }
    Write-Host "Installed x0tta6bl4 $Resolved from $Repository into $Folder"
}

function Enable-X0Module([string] $Folder) {
    $env:PSModulePath = $Folder + [System.IO.Path]::PathSeparator + $env:PSModulePath
    Write-ActionValue $env:GITHUB_ENV 'PSModulePath' $env:PSModulePath
    Import-Module x0tta6bl4 -ErrorAction Stop
    $module = Get-Module x0tta6bl4
    Write-Host "x0tta6bl4 $($module.Version) from $($module.ModuleBase)"
    $module
}

$resolved = Resolve-X0Version
$folder = Join-Path $Destination $resolved
switch ($Step) {
    'Resolve' {
        Write-ActionValue $env:GITHUB_OUTPUT 'version' $resolved
        Write-ActionValue $env:GITHUB_OUTPUT 'path' $folder
        [pscustomobject]@{ Version = $resolved; Path = $folder }
    }
    'Install' { Install-X0Module $resolved $folder }
    'Activate' { Enable-X0Module $folder | Out-Null }
    'All' {
        Install-X0Module $resolved $folder
        Enable-X0Module $folder
    }
}
