# A real Docker engine and registry for the Pester suite, started once per run and stopped by PID.
# X0_TEST_DOCKER_HOST / X0_TEST_REGISTRY name existing ones; otherwise dockerd (vfs, own data/exec
# roots, pid file and unix socket under a temp dir) and docker-registry (htpasswd auth, free
# 127.0.0.1 port) are started here. Mirrors tests/X0tta6bl4.Core.Tests/Infrastructure/DockerEnvironment.cs.

$script:User = 'x0-tester'
$script:Password = 'x0-Pa55word-for-tests'

function Get-X0TestDockerSkipReason {
    if (-not $IsLinux) { return 'the Docker test environment needs Linux' }
    foreach ($tool in 'busybox', 'htpasswd', 'docker-registry', 'docker') {
        if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { return "$tool is not installed (see .ci/run)" }
    }
    if (-not $env:X0_TEST_DOCKER_HOST -and -not (Get-Command dockerd -ErrorAction SilentlyContinue) -and -not (Test-Path /usr/sbin/dockerd)) { return 'dockerd is not installed (apt-get install docker.io)' }
    if (-not $env:X0_TEST_DOCKER_HOST -and (& id -u) -ne '0') { return 'starting dockerd needs root; set X0_TEST_DOCKER_HOST to a running engine' }
    $null
}

function Start-X0TestDocker {
    <# Idempotent: the first call starts the engine and registry, later calls return the same. #>
    if ($env:X0_PESTER_DOCKER_STATE) { return (Get-Content -Raw $env:X0_PESTER_DOCKER_STATE | ConvertFrom-Json) }
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "x0-pester-docker-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Force -Path $root, (Join-Path $root 'docker-config') | Out-Null
    $pids = @()
    $dockerHost = $env:X0_TEST_DOCKER_HOST
    if (-not $dockerHost) {
        $socket = Join-Path $root 'docker.sock'
        $dockerd = (Get-Command dockerd -ErrorAction SilentlyContinue)?.Source ?? '/usr/sbin/dockerd'
        # BuildKit as the engine's default builder too (the module asks for it per build either way).
        '{ "features": { "buildkit": true } }' | Set-Content (Join-Path $root 'daemon.json')
        $p = Start-Process -FilePath $dockerd -PassThru -RedirectStandardOutput (Join-Path $root 'dockerd.out') -RedirectStandardError (Join-Path $root 'dockerd.log') -ArgumentList @(
            '--storage-driver=vfs', '--iptables=false', '--ip-masq=false', '--bridge=none',
            '--data-root', (Join-Path $root 'data'), '--exec-root', (Join-Path $root 'exec'),
            '--pidfile', (Join-Path $root 'docker.pid'), '-H', "unix://$socket", '--config-file', (Join-Path $root 'daemon.json'))
        $pids += $p.Id
        $dockerHost = "unix://$socket"
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            Start-Sleep -Milliseconds 200
            & docker -H $dockerHost version --format '{{.Server.Version}}' *> $null
        } until ($LASTEXITCODE -eq 0 -or [DateTime]::UtcNow -gt $deadline -or $p.HasExited)
        if ($LASTEXITCODE -ne 0) { throw "dockerd did not come up: $(Get-Content (Join-Path $root 'dockerd.log') -Tail 5)" }
    }
    $registry = $env:X0_TEST_REGISTRY
    if (-not $registry) {
        $users = Join-Path $root 'htpasswd'
        & htpasswd -Bbn $script:User $script:Password | Set-Content $users
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $registry = "127.0.0.1:$port"
        $config = Join-Path $root 'registry.yml'
        @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $root 'registry')
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd:
    realm: x0-tests
    path: $users
"@ | Set-Content $config
        $r = Start-Process -FilePath (Get-Command docker-registry).Source -ArgumentList 'serve', $config -PassThru -RedirectStandardOutput (Join-Path $root 'registry.out') -RedirectStandardError (Join-Path $root 'registry.log')
        $pids += $r.Id
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        $up = $false
        do {
            Start-Sleep -Milliseconds 100
            try { Invoke-WebRequest "http://$registry/v2/" -SkipHttpErrorCheck -TimeoutSec 2 | Out-Null; $up = $true } catch { }
        } until ($up -or [DateTime]::UtcNow -gt $deadline)
        if (-not $up) { throw "docker-registry did not come up: $(Get-Content (Join-Path $root 'registry.log') -Tail 5)" }
    }
    $state = [pscustomobject]@{
        Root = $root; DockerHost = $dockerHost; Registry = $registry; Pids = $pids
        User = $script:User; Password = $script:Password; DockerConfig = (Join-Path $root 'docker-config')
    }
    $stateFile = Join-Path $root 'state.json'
    $state | ConvertTo-Json | Set-Content $stateFile
    $env:X0_PESTER_DOCKER_STATE = $stateFile
    $state
}

function Stop-X0TestDocker {
    <# Stops what Start-X0TestDocker started (by PID, SIGTERM first) and removes its temp directory. #>
    if (-not $env:X0_PESTER_DOCKER_STATE -or -not (Test-Path $env:X0_PESTER_DOCKER_STATE)) { return }
    $state = Get-Content -Raw $env:X0_PESTER_DOCKER_STATE | ConvertFrom-Json
    foreach ($id in @($state.Pids)) {
        $p = Get-Process -Id $id -ErrorAction SilentlyContinue
        if ($p) {
            & kill -TERM $id
            if (-not $p.WaitForExit(20000)) { $p.Kill($true) }
        }
    }
    Remove-Item -Recurse -Force $state.Root -ErrorAction SilentlyContinue
    $env:X0_PESTER_DOCKER_STATE = $null
}

function Invoke-X0TestDocker {
    <# The docker CLI against the test engine (classic builder); throws on failure. #>
    $state = Start-X0TestDocker
    $env:DOCKER_BUILDKIT = '0'
    $out = & docker -H $state.DockerHost @args 2>&1
    if ($LASTEXITCODE -ne 0) { throw "docker $($args -join ' ') failed: $out" }
    $out
}

function New-X0TestBaseImage {
    <# A minimal base image made here (no registry pull): busybox and its applets, imported as a tarball. #>
    param([string] $Name = 'x0-busybox-base:test')
    $state = Start-X0TestDocker
    $rootfs = Join-Path $state.Root 'rootfs'
    if (-not (Test-Path $rootfs)) {
        New-Item -ItemType Directory -Force -Path (Join-Path $rootfs 'bin'), (Join-Path $rootfs 'tmp') | Out-Null
        Copy-Item (Get-Command busybox).Source (Join-Path $rootfs 'bin/busybox')
        foreach ($applet in 'sh', 'ls', 'cat', 'echo', 'find', 'env') { & ln -s busybox (Join-Path $rootfs "bin/$applet") }
        & tar -C $rootfs -cf (Join-Path $state.Root 'rootfs.tar') .
    }
    Invoke-X0TestDocker import --change 'ENV PATH=/bin' (Join-Path $state.Root 'rootfs.tar') $Name | Out-Null
    $Name
}

function Get-X0RegistryDigest {
    <# The registry's Docker-Content-Digest for repository:tag, read without the module. #>
    param([Parameter(Mandatory)] [string] $Repository, [Parameter(Mandatory)] [string] $Tag)
    $state = Start-X0TestDocker
    $registry, $path = $Repository -split '/', 2
    $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$($state.User):$($state.Password)"))
    $r = Invoke-WebRequest -Method Head "http://$registry/v2/$path/manifests/$Tag" -SkipHttpErrorCheck -Headers @{
        Authorization = "Basic $basic"; Accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'
    }
    if ($r.StatusCode -ne 200) { return $null }
    @($r.Headers['Docker-Content-Digest'])[0]
}

Export-ModuleMember -Function *
