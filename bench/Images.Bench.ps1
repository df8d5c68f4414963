<#
.SYNOPSIS
    Build-X0Image against the docker CLI's own BuildKit build (DOCKER_BUILDKIT=1) of the same contexts,
    and against its classic builder: wall time and peak memory of the client process, as ratios
    measured in the same run. Not a test: run it when you need the figures.
.DESCRIPTION
    Generates a context of -Files files totalling about -MegaBytes MB (plus a .dockerignore that
    excludes a tenth of them), then builds `FROM scratch` + `COPY . /ctx/` with each client against the
    same engine, -Runs times each, alternating. The engine is the one DOCKER_HOST names, or a dockerd
    started here (root, vfs) and stopped by PID at the end. Peak memory is the client's maximum
    resident set (GNU time %M): for Build-X0Image that includes the pwsh host. -SmallMegaBytes adds a
    second, small context so "memory flat in the context size" is a measured difference, not a claim.
    A third case, "modern", is the issue's Dockerfile (busybox, a cache mount, a secret mount, RUN
    steps) on a small context: the secret comes from a file for both clients.
    Build-X0Image sends the whole context in the request body on every run; the CLI's BuildKit
    session sends only what changed since its last transfer, which its later runs benefit from.
    Writes a JSON result to -OutputPath and prints one line per measure.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/x0tta6bl4/0.1.0/x0tta6bl4.psd1'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bench'),
    [int] $Files = 20000,
    [int] $MegaBytes = 500,
    [int] $SmallMegaBytes = 20,
    [int] $Runs = 3,
    # Keep generated contexts here between invocations (generation takes minutes); default: a temp dir, removed.
    [string] $ContextRoot
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/DockerTestEnvironment.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
$gnuTime = '/usr/bin/time'
if (-not (Test-Path $gnuTime)) { throw 'GNU time is needed for peak memory (apt-get install time).' }

$startedHere = $false
if (-not $env:DOCKER_HOST) {
    $env:X0_TEST_REGISTRY = '127.0.0.1:1'   # no registry needed here
    $state = Start-X0TestDocker
    $env:DOCKER_HOST = $state.DockerHost
    $startedHere = $true
}
$docker = if (Test-Path /usr/bin/docker) { '/usr/bin/docker' } else { (Get-Command docker).Source }
# The pwsh that runs this script (a dotnet tool here: dotnet + pwsh.dll), without the tool resolver's start-up.
$pwsh = if (Test-Path (Join-Path $PSHOME 'pwsh.dll')) { @('dotnet', (Join-Path $PSHOME 'pwsh.dll')) } else { @((Get-Process -Id $PID).Path) }

function New-Context([string] $Dir, [int] $Count, [int] $TotalMB) {
    New-Item -ItemType Directory -Force -Path $Dir | Out-Null
    $rng = [Random]::new(42)
    $avg = [int]([long]$TotalMB * 1MB / $Count)
    $buffer = [byte[]]::new($avg * 2)
    for ($i = 0; $i -lt $Count; $i++) {
        $sub = Join-Path $Dir ('d{0:D3}/e{1:D2}' -f ($i % 200), ($i % 7))
        if (-not (Test-Path $sub)) { New-Item -ItemType Directory -Force -Path $sub | Out-Null }
        $size = $rng.Next([int]($avg / 2), [int]($avg * 1.5))
        $rng.NextBytes($buffer)
        $ext = if ($i % 10 -eq 0) { '.tmp' } else { '.dat' }
        $stream = [IO.File]::Create((Join-Path $sub ("f$i$ext")))
        try { $stream.Write($buffer, 0, $size) } finally { $stream.Dispose() }
    }
    "**/*.tmp`n# generated`n" | Set-Content (Join-Path $Dir '.dockerignore')
    "FROM scratch`nCOPY . /ctx/`n" | Set-Content (Join-Path $Dir 'Dockerfile')
}

function New-ModernContext([string] $Dir) {
    New-Context $Dir 200 4
    Copy-Item (Get-Command busybox).Source (Join-Path $Dir 'busybox')
    @'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY . /ctx/
RUN --mount=type=cache,target=/root/.cache sh -c 'find /ctx -name "*.dat" | head -50 | xargs cat > /root/.cache/blob; wc -c < /root/.cache/blob > /cached-bytes'
RUN --mount=type=secret,id=token sh -c 'sha256sum /run/secrets/token > /token.sha256'
'@ | Set-Content (Join-Path $Dir 'Dockerfile')
    'bench-secret-value' | Set-Content (Join-Path $Dir '..' 'modern-token.txt')
}

function Measure-Client([string] $Name, [string[]] $Command) {
    $log = Join-Path $OutputPath "$Name.time"
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $gnuTime -f '%M' -o $log @Command *> (Join-Path $OutputPath "$Name.log")
    $code = $LASTEXITCODE
    $watch.Stop()
    if ($code -ne 0) { throw "$Name failed (exit $code): $(Get-Content (Join-Path $OutputPath "$Name.log") -Tail 5)" }
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; PeakMB = [int](Get-Content $log | Select-Object -Last 1) / 1024 }
}

New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$keepContexts = [bool]$ContextRoot
$root = if ($ContextRoot) { $ContextRoot } else { Join-Path ([IO.Path]::GetTempPath()) "x0-bench-images-$([guid]::NewGuid().ToString('N').Substring(0, 8))" }
# Same labels for both clients: the classic builder turns each label into a LABEL step (a layer), so
# the CLI gets the two Build-X0Image adds in a folder without git or project metadata.
$env:SOURCE_DATE_EPOCH = '1700000000'
$labelArgs = @('--label', 'org.opencontainers.image.created=2023-11-14T22:13:20Z', '--label', 'org.opencontainers.image.version=ours')
$results = [ordered]@{}
try {
    $cases = @(
        @{ Name = 'large'; Files = $Files; MB = $MegaBytes }
        @{ Name = 'small'; Files = [Math]::Max(100, [int]($Files / 25)); MB = $SmallMegaBytes }
        @{ Name = 'modern'; Files = 200; MB = 4 }
    )
    foreach ($case in $cases) {
        $dir = Join-Path $root $case.Name
        if (-not (Test-Path (Join-Path $dir 'Dockerfile'))) {
            Write-Host "==> generating $($case.Files) files / $($case.MB) MB in $dir"
            if ($case.Name -eq 'modern') { New-ModernContext $dir } else { New-Context $dir $case.Files $case.MB }
        }
        $token = Join-Path $root 'modern-token.txt'
        $ourSecret = if ($case.Name -eq 'modern') { " -Secret @{ token = '$token' }" } else { '' }
        # The engine of the tests has no bridge network: RUN steps need network none (Build-X0Image finds that itself).
        $cliArgs = @('--network', 'none') + $(if ($case.Name -eq 'modern') { @('--secret', "id=token,src=$token") } else { @() })
        $ours = @(); $theirs = @(); $classic = @()
        for ($r = 1; $r -le $Runs; $r++) {
            $script = "Import-Module '$ModulePath'; Build-X0Image -Path '$dir' -Repository x0bench/$($case.Name) -Tag ours -NoCache$ourSecret -ErrorAction Stop | Out-Null"
            $ours += Measure-Client "$($case.Name)-x0-$r" ($pwsh + @('-NoProfile', '-NonInteractive', '-Command', $script))
            $env:DOCKER_BUILDKIT = '1'
            $theirs += Measure-Client "$($case.Name)-cli-$r" (@($docker, 'build', '--no-cache', '-q', '-t', "x0bench/$($case.Name):cli") + $cliArgs + $labelArgs + @($dir))
            if ($case.Name -ne 'modern') {
                # The classic builder cannot build the modern Dockerfile at all.
                $env:DOCKER_BUILDKIT = '0'
                $classic += Measure-Client "$($case.Name)-classic-$r" (@($docker, 'build', '--no-cache', '-q', '-t', "x0bench/$($case.Name):classic") + $labelArgs + @($dir))
            }
            & $docker image rm -f "x0bench/$($case.Name):ours" "x0bench/$($case.Name):cli" "x0bench/$($case.Name):classic" *> $null
        }
        # pwsh start-up and module import are part of our client's cost; measured separately too.
        $startup = Measure-Client "$($case.Name)-pwsh-startup" ($pwsh + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'"))
        $oMed = ($ours.Seconds | Sort-Object)[[int][Math]::Floor($ours.Count / 2)]
        $tMed = ($theirs.Seconds | Sort-Object)[[int][Math]::Floor($theirs.Count / 2)]
        $cMed = if ($classic) { ($classic.Seconds | Sort-Object)[[int][Math]::Floor($classic.Count / 2)] } else { $null }
        $results[$case.Name] = [ordered]@{
            Files = $case.Files; MegaBytes = $case.MB
            X0Seconds = [Math]::Round($oMed, 2); CliSeconds = [Math]::Round($tMed, 2); TimeRatio = [Math]::Round($oMed / $tMed, 3)
            ClassicCliSeconds = if ($cMed) { [Math]::Round($cMed, 2) } else { $null }
            ClassicTimeRatio = if ($cMed) { [Math]::Round($oMed / $cMed, 3) } else { $null }
            # Per run, in order: the CLI's first run sends the whole context, later ones only changes.
            X0RunSeconds = @($ours.Seconds | ForEach-Object { [Math]::Round($_, 2) }); CliRunSeconds = @($theirs.Seconds | ForEach-Object { [Math]::Round($_, 2) })
            X0PeakMB = ($ours.PeakMB | Measure-Object -Maximum).Maximum; CliPeakMB = ($theirs.PeakMB | Measure-Object -Maximum).Maximum
            PwshStartupSeconds = [Math]::Round($startup.Seconds, 2); PwshStartupPeakMB = $startup.PeakMB
        }
        $x = $results[$case.Name]
        Write-Host ("{0,-6} {1} files {2} MB: Build-X0Image {3:0.00}s vs docker build (BuildKit) {4:0.00}s = {5:0.000}x{10}; peak RSS {6} MB vs {7} MB (pwsh + module alone: {8:0.00}s, {9} MB)" -f
            $case.Name, $x.Files, $x.MegaBytes, $x.X0Seconds, $x.CliSeconds, $x.TimeRatio, $x.X0PeakMB, $x.CliPeakMB, $x.PwshStartupSeconds, $x.PwshStartupPeakMB,
            $(if ($x.ClassicCliSeconds) { "; classic docker build {0:0.00}s = {1:0.000}x" -f $x.ClassicCliSeconds, $x.ClassicTimeRatio } else { '' }))
    }
    $results['MemoryGrowthMB'] = $results.large.X0PeakMB - $results.small.X0PeakMB
    Write-Host "Build-X0Image peak memory from $($results.small.MegaBytes) MB to $($results.large.MegaBytes) MB of context: +$($results.MemoryGrowthMB) MB"
    $results | ConvertTo-Json -Depth 4 | Set-Content (Join-Path $OutputPath 'images.json')
} finally {
    if (-not $keepContexts) { Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue }
    if ($startedHere) { Stop-X0TestDocker; $env:DOCKER_HOST = $null }
}
