<#
.SYNOPSIS
    The release's package job against the reference pipeline's: build, check and upload the sample
    project's sdist + wheel to the PyPI stand-in, and the re-run after success.
.DESCRIPTION
    Peer (what release.yml's build-pypi job runs): `python3 -m build --no-isolation`, `twine check dist/*`,
    `twine upload --repository-url <stand-in> dist/*`; its re-run: `twine upload --skip-existing` of the
    same files. x0: `Publish-X0Release -SkipTests -Package Python` on a tagged copy of the sample
    (preflight, notes, build from the tag's export, checks incl. twine check, assets, upload, verify);
    its re-run: the same command again (everything AlreadyDone, no upload). The stand-in is reset
    before each first run, so both upload the same two files into an empty index. Median of -Repeat
    runs; the module is imported once. Writes packages.json to -OutputPath.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bench'),
    [int] $Repeat = 5
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tests/StandIns/StandIns.psm1') -Force
Import-Module (Resolve-Path $ModulePath).Path -Force

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $sorted[[int][Math]::Floor($sorted.Count / 2)]
}

$python = '/usr/bin/python3'
$twine = Get-Command twine -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not (Test-Path $python) -or -not $twine -or ($(& $python -c 'import build' *>$null; $LASTEXITCODE) -ne 0)) {
    Write-Warning 'Packages bench skipped: needs /usr/bin/python3 with build (python3-build) and twine.'
    return
}
$sample = Join-Path $PSScriptRoot '../samples/python-project' | Resolve-Path | Select-Object -ExpandProperty Path
$work = Join-Path ([System.IO.Path]::GetTempPath()) "x0-bench-packages-$PID"
$saved = @{ PYPI_API_TOKEN = $env:PYPI_API_TOKEN; X0_RUN_RECORDING = $env:X0_RUN_RECORDING; NO_COLOR = $env:NO_COLOR }
$py = Start-X0PackageStandIn pypi
try {
    $token = 'pypi-bench-' + [guid]::NewGuid().ToString('N')
    function Reset-Index {
        Invoke-X0PackageStandIn $py POST /reset | Out-Null
        Invoke-X0PackageStandIn $py POST /tokens @{ token = $token } | Out-Null
    }
    $env:NO_COLOR = '1'
    $env:X0_RUN_RECORDING = '0'

    # A tagged copy of the sample for x0 (Publish-X0Release needs the tag at HEAD).
    $repo = Join-Path $work 'repo'
    New-Item -ItemType Directory -Force -Path $repo | Out-Null
    Copy-Item -Path (Join-Path $sample '*') -Destination $repo -Recurse
    Copy-Item (Join-Path $sample '.gitignore') $repo
    & git -C $repo init -q -b main
    & git -C $repo -c user.name=bench -c user.email=bench@example.com add -A
    & git -C $repo -c user.name=bench -c user.email=bench@example.com commit -q -m 'feat: bench'
    & git -C $repo -c user.name=bench -c user.email=bench@example.com tag -a v3.2.0 -m 'Release v3.2.0'

    $peerFirst = @(); $peerAgain = @(); $x0First = @(); $x0Again = @()
    for ($i = 0; $i -lt $Repeat + 1; $i++) {
        # Peer: build, twine check, twine upload; then the re-run with --skip-existing.
        Reset-Index
        $dist = Join-Path $work "dist-$i"
        $src = Join-Path $work "src-$i"
        Copy-Item -Path $sample -Destination $src -Recurse
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & $python -m build --no-isolation --outdir $dist $src *>$null
        if ($LASTEXITCODE -ne 0) { throw 'python -m build failed' }
        & $twine.Source check (Get-ChildItem $dist).FullName *>$null
        if ($LASTEXITCODE -ne 0) { throw 'twine check failed' }
        & $twine.Source upload --disable-progress-bar --non-interactive --repository-url $py.UploadUrl -u __token__ -p $token (Get-ChildItem $dist).FullName *>$null
        if ($LASTEXITCODE -ne 0) { throw 'twine upload failed' }
        $t1 = $sw.Elapsed.TotalMilliseconds
        $sw.Restart()
        & $twine.Source upload --skip-existing --disable-progress-bar --non-interactive --repository-url $py.UploadUrl -u __token__ -p $token (Get-ChildItem $dist).FullName *>$null
        if ($LASTEXITCODE -ne 0) { throw 'twine upload --skip-existing failed' }
        $t2 = $sw.Elapsed.TotalMilliseconds

        # x0: the whole release with the package steps, then the re-run.
        Reset-Index
        Remove-Item (Join-Path $repo 'out') -Recurse -Force -ErrorAction SilentlyContinue
        $env:PYPI_API_TOKEN = $token
        $sw.Restart()
        $r = Publish-X0Release -Path $repo -SkipTests -Package Python -PyPIRepository $py.UploadUrl -Notes 'bench' -WarningAction SilentlyContinue
        $t3 = $sw.Elapsed.TotalMilliseconds
        if (-not $r.Succeeded -or ($r.Steps | Where-Object Name -eq 'PyPI').Status -ne 'Done') { throw "x0 release failed: $($r.Steps | Out-String)" }
        $sw.Restart()
        $again = Publish-X0Release -Path $repo -SkipTests -Package Python -PyPIRepository $py.UploadUrl -Notes 'bench' -WarningAction SilentlyContinue
        $t4 = $sw.Elapsed.TotalMilliseconds
        if (($again.Steps | Where-Object Name -eq 'PyPI').Status -ne 'AlreadyDone') { throw 'x0 re-run was not AlreadyDone' }
        if ($i -gt 0) { $peerFirst += $t1; $peerAgain += $t2; $x0First += $t3; $x0Again += $t4 }
    }

    $result = [ordered]@{
        Benchmark          = 'sample sdist + wheel: build, check, upload to the PyPI stand-in; then the re-run'
        Repeat             = $Repeat
        PeerFirstMs        = [Math]::Round((Get-Median $peerFirst), 0)
        X0FirstMs          = [Math]::Round((Get-Median $x0First), 0)
        FirstRatio         = [Math]::Round((Get-Median $x0First) / (Get-Median $peerFirst), 2)
        PeerRerunMs        = [Math]::Round((Get-Median $peerAgain), 0)
        X0RerunMs          = [Math]::Round((Get-Median $x0Again), 0)
        RerunRatio         = [Math]::Round((Get-Median $x0Again) / (Get-Median $peerAgain), 2)
        Peer               = 'python3 -m build --no-isolation + twine check + twine upload (re-run: twine upload --skip-existing)'
        X0                 = 'Publish-X0Release -SkipTests -Package Python (re-run: same command, AlreadyDone)'
    }
    New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
    $result | ConvertTo-Json | Set-Content -Path (Join-Path $OutputPath 'packages.json') -Encoding utf8NoBOM
    [pscustomobject]$result
} finally {
    foreach ($k in $saved.Keys) { if ($null -eq $saved[$k]) { Remove-Item "env:$k" -ErrorAction SilentlyContinue } else { Set-Item "env:$k" $saved[$k] } }
    if ($py -and -not $py.Process.HasExited) { Stop-Process -Id $py.Pid -Force -ErrorAction SilentlyContinue }
    Remove-Variable -Scope Global -Name X0StandIn_pypi -ErrorAction SilentlyContinue
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
