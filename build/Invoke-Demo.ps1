<#
.SYNOPSIS
    The main job: the release pipeline on a copy of the bundled sample project, with embedded
    local defaults (a temp git repository with a local bare remote; nothing leaves this machine).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SamplePath
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $ModulePath -Force

function Show([string] $Title) { Write-Host ''; Write-Host "### $Title" -ForegroundColor Cyan }
function Invoke-DemoGit { & git -C $script:Work @args; if ($LASTEXITCODE) { throw "git $args failed" } }

$base = Join-Path ([System.IO.Path]::GetTempPath()) "x0-demo-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$script:Work = Join-Path $base 'x0tta6bl4'
$remote = Join-Path $base 'origin.git'
New-Item -ItemType Directory -Force -Path $Work | Out-Null
Copy-Item -Path (Join-Path $SamplePath '*') -Destination $Work -Recurse
Get-ChildItem -Path $SamplePath -Force -Filter '.*' | Copy-Item -Destination $Work -Recurse -Force
& git init -q --bare -b main $remote
Invoke-DemoGit init -q -b main
Invoke-DemoGit config user.name 'x0tta6bl4 demo'
Invoke-DemoGit config user.email 'demo@x0tta6bl4.example'
Invoke-DemoGit add -A
Invoke-DemoGit commit -q -m 'feat: import the sample project'
Invoke-DemoGit remote add origin $remote
Invoke-DemoGit push -q origin main
Write-Host "Sample project copied to $Work (remote: $remote)"

Set-Location $Work

Show 'Quality gates first: Invoke-X0Test -CoverageThreshold 75 (pytest, flake8, mypy, black in parallel)'
$gates = Invoke-X0Test -CoverageThreshold 75
$gates | Format-Table
$gates.Gates | Format-Table
Write-Host "artifacts: $(($gates.Artifacts | ForEach-Object { [System.IO.Path]::GetRelativePath($Work, $_) }) -join ', ')"

Show 'A lint finding is an object with file, line and code (and the run a non-terminating error)'
$loop = Join-Path $Work 'src/mape_k/loop.py'
$original = Get-Content -Raw $loop
Set-Content -Path $loop -Value $original.Replace("from collections.abc import Iterable", "import os`nfrom collections.abc import Iterable") -NoNewline
$lint = Invoke-X0Test -Gate Lint -ErrorAction SilentlyContinue -ErrorVariable gateErrors
$lint.Diagnostics | Format-Table
Write-Host "$($gateErrors[0].FullyQualifiedErrorId): $($gateErrors[0].Exception.Message)"
Set-Content -Path $loop -Value $original -NoNewline

Show 'Plan a minor release (-WhatIf: every check, no change)'
Step-X0Version -Minor -Push -WhatIf

Show 'Step-X0Version -Minor -Push'
$change = Step-X0Version -Minor -Push
$change | Format-Table
$change.Files | Format-Table

Show 'A release candidate of the next minor, then its release'
Step-X0Version -Minor -PreRelease rc | Format-Table
Get-Content (Join-Path $Work 'pyproject.toml') | Select-String '^version'
Step-X0Version -Release | Format-Table

Show 'Conventional Commits decide: Step-X0Version -Auto (the release commit carries CHANGELOG.md)'
Add-Content -Path (Join-Path $Work 'src/mape_k/analyzer.py') -Value "`n`n# sustained-anomaly window"
Invoke-DemoGit commit -q -am 'feat(analyzer): detect sustained anomalies (#42)'
Add-Content -Path (Join-Path $Work 'src/mape_k/analyzer.py') -Value '# empty window guard'
Invoke-DemoGit commit -q -am "fix(analyzer): guard empty windows`n`nCloses #43"
Get-X0ReleaseNote | Select-Object -ExpandProperty Markdown
$auto = Step-X0Version -Auto
$auto | Format-Table
Invoke-DemoGit show --stat --format='%s' HEAD
Show 'Nothing releasable: a NoRelease object, not an error'
Invoke-DemoGit commit -q --allow-empty -m 'docs: explain the window'
Step-X0Version -Auto | Format-Table

Show 'Release: Step-X0Version -Patch | Publish-X0Release (gates, notes, sdist + wheel, then the push, SHA256SUMS)'
# No GitHub remote and no index token here: the embedded default produces the release locally and each
# remote step says why it is skipped.
$release = Step-X0Version -Patch | Publish-X0Release
$release | Format-List
$release.Steps | Format-Table
$release.Assets | Format-Table
Get-Content (Join-Path $release.OutputDirectory 'NOTES.md') | Write-Host

Show 'The same release again: every step reads its target first, nothing is redone'
(Publish-X0Release).Steps | Format-Table

Show 'History and tags'
Invoke-DemoGit log --oneline --decorate -n 5
Write-Host "remote tags: $((& git -C $remote tag) -join ', ')"

Show 'Refused: a dirty tree (nothing is changed)'
Add-Content -Path (Join-Path $Work 'src/mape_k/loop.py') -Value '# work in progress'
Step-X0Version -Patch -ErrorAction SilentlyContinue -ErrorVariable refused | Out-Null
Write-Host "$($refused[0].FullyQualifiedErrorId): $($refused[0].Exception.Message)"
Invoke-DemoGit checkout -q -- src/mape_k/loop.py

Show 'Container images (Build-X0Image)'
$dockerCli = Get-Command docker -ErrorAction SilentlyContinue
$busybox = Get-Command busybox -ErrorAction SilentlyContinue
if ($dockerCli -and $busybox -and ((& docker version --format '{{.Server.Version}}' 2>$null) -and $LASTEXITCODE -eq 0)) {
    # No registry is reachable here: the sample's BASE_IMAGE becomes a busybox root file system imported locally.
    $rootfs = Join-Path $base 'rootfs'
    New-Item -ItemType Directory -Force -Path (Join-Path $rootfs 'bin') | Out-Null
    Copy-Item $busybox.Source (Join-Path $rootfs 'bin/busybox')
    & ln -s busybox (Join-Path $rootfs 'bin/sh')
    & tar -C $rootfs -cf (Join-Path $base 'rootfs.tar') .
    & docker import (Join-Path $base 'rootfs.tar') x0-demo-base:latest | Out-Null
    Build-X0Image -Target dev -Repository ghcr.io/x0tta6bl4/x0tta6bl4 -BuildArg @{ BASE_IMAGE = 'x0-demo-base:latest' } -WhatIf
    $version = (Get-Content (Join-Path $Work 'pyproject.toml') | Select-String '^version = "(.+)"').Matches[0].Groups[1].Value
    Build-X0Image -Version $version -Target dev -Repository ghcr.io/x0tta6bl4/x0tta6bl4 -BuildArg @{ BASE_IMAGE = 'x0-demo-base:latest' } | Format-Table
    Build-X0Image -Version $version -Target prod -Repository ghcr.io/x0tta6bl4/x0tta6bl4 -BuildArg @{ BASE_IMAGE = 'x0-demo-base:latest' } | Format-Table
} else {
    Write-Host 'No Docker engine answers here (set DOCKER_HOST, or start dockerd): skipped. The tests start their own.'
}

Show 'Done'
Write-Host "Workspace kept at $Work"
