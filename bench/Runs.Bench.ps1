<#
.SYNOPSIS
    Get-X0Run listing 1,000 runs (10 pages of 100) cold and revalidated, against the raw page time.
.DESCRIPTION
    The peer is `gh run list -L 1000 --json ...` where gh is installed; everywhere else the baseline is
    the raw HTTP time of the same 10 pages (HttpClient, and curl when present) on the same GitHub
    stand-in: the least any client can spend. Cold = a fresh local store (no ETags); revalidated =
    the same query again, answered with 304s. Median of -Repeat runs; the module is imported once
    (in-process timing, as an admin script calls it). Writes runs.json to -OutputPath.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bench'),
    [int] $Repeat = 7,
    # Put prism in front too (adds its validation time to every variant).
    [switch] $Contract
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tests/StandIns/StandIns.psm1') -Force
Import-Module (Resolve-Path $ModulePath).Path -Force

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $sorted[[int][Math]::Floor($sorted.Count / 2)]
}

$standIn = Start-X0GitHubStandIn -NoContract:(-not $Contract)
$saved = @{ GITHUB_API_URL = $env:GITHUB_API_URL; GITHUB_TOKEN = $env:GITHUB_TOKEN; X0_STATE_DIR = $env:X0_STATE_DIR; X0_RUN_RECORDING = $env:X0_RUN_RECORDING }
try {
    $token = 'ghp_bench_' + [guid]::NewGuid().ToString('N')
    Invoke-X0StandIn POST /tokens @{ token = $token } | Out-Null
    Invoke-X0StandIn POST /repos/octo/bench/seed @{ count = 2500; seed = 3 } | Out-Null
    $env:GITHUB_API_URL = $standIn.ApiUrl
    $env:GITHUB_TOKEN = $token
    $urls = 1..10 | ForEach-Object { "$($standIn.ApiUrl)/repos/octo/bench/actions/runs?per_page=100&page=$_" }

    # Raw: the same 10 pages with HttpClient (keep-alive), then revalidated with their ETags.
    $http = [System.Net.Http.HttpClient]::new()
    $http.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $token)
    $http.DefaultRequestHeaders.UserAgent.ParseAdd('x0-bench')
    $etags = @{}
    $rawCold = @(); $rawWarm = @()
    for ($i = 0; $i -lt $Repeat + 1; $i++) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        foreach ($u in $urls) {
            $r = $http.GetAsync($u).GetAwaiter().GetResult()
            $null = $r.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
            $etags[$u] = $r.Headers.ETag.ToString()
        }
        if ($i -gt 0) { $rawCold += $sw.Elapsed.TotalMilliseconds }
        $sw.Restart()
        foreach ($u in $urls) {
            $req = [System.Net.Http.HttpRequestMessage]::new('GET', $u)
            $req.Headers.TryAddWithoutValidation('If-None-Match', $etags[$u]) | Out-Null
            $r = $http.SendAsync($req).GetAwaiter().GetResult()
            if ([int]$r.StatusCode -ne 304) { throw "expected 304, got $([int]$r.StatusCode)" }
        }
        if ($i -gt 0) { $rawWarm += $sw.Elapsed.TotalMilliseconds }
    }

    $curl = Get-Command curl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $curlTimes = @()
    if ($curl) {
        for ($i = 0; $i -lt $Repeat; $i++) {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            & $curl.Source -s -o /dev/null -H "Authorization: Bearer $token" @($urls | ForEach-Object { $_; '-o'; '/dev/null' }) | Out-Null
            $curlTimes += $sw.Elapsed.TotalMilliseconds
        }
    }

    $gh = Get-Command gh -CommandType Application -ErrorAction SilentlyContinue
    $ghTimes = @()
    if ($gh) {
        $env:GH_HOST = ([uri]$standIn.ApiUrl).Authority
        for ($i = 0; $i -lt $Repeat; $i++) {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            & $gh.Source run list -R octo/bench -L 1000 --json databaseId,status,conclusion,name,headBranch,event,createdAt | Out-Null
            $ghTimes += $sw.Elapsed.TotalMilliseconds
        }
    }

    # x0: cold (fresh store each time) and revalidated (same store, 304s).
    $env:X0_RUN_RECORDING = $null
    $cold = @(); $warm = @(); $count = 0; $notModified = 0
    for ($i = 0; $i -lt $Repeat + 1; $i++) {
        $env:X0_STATE_DIR = Join-Path ([System.IO.Path]::GetTempPath()) "x0-bench-state-$PID-$i"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $runs = Get-X0Run -Repository octo/bench -First 1000
        if ($i -gt 0) { $cold += $sw.Elapsed.TotalMilliseconds }
        $count = $runs.Count
        $before = (Invoke-X0StandIn GET /stats).notModified
        $sw.Restart()
        $again = Get-X0Run -Repository octo/bench -First 1000
        if ($i -gt 0) { $warm += $sw.Elapsed.TotalMilliseconds }
        $notModified = (Invoke-X0StandIn GET /stats).notModified - $before
        if ($again.Count -ne 1000) { throw "revalidated listing returned $($again.Count) runs" }
        Remove-Item $env:X0_STATE_DIR -Recurse -Force -ErrorAction SilentlyContinue
    }
    if ($count -ne 1000 -or $notModified -ne 10) { throw "expected 1000 runs and 10 not-modified pages, got $count and $notModified" }

    $result = [ordered]@{
        Benchmark            = 'Get-X0Run -First 1000 (10 pages of 100)'
        Contract             = [bool]$Contract
        Repeat               = $Repeat
        X0ColdMs             = [Math]::Round((Get-Median $cold), 1)
        RawColdMs            = [Math]::Round((Get-Median $rawCold), 1)
        CurlColdMs           = if ($curlTimes) { [Math]::Round((Get-Median $curlTimes), 1) } else { $null }
        GhColdMs             = if ($ghTimes) { [Math]::Round((Get-Median $ghTimes), 1) } else { $null }
        X0RevalidatedMs      = [Math]::Round((Get-Median $warm), 1)
        RawRevalidatedMs     = [Math]::Round((Get-Median $rawWarm), 1)
        ColdRatioVsRaw       = [Math]::Round((Get-Median $cold) / (Get-Median $rawCold), 2)
        RevalidatedRatioVsRaw = [Math]::Round((Get-Median $warm) / (Get-Median $rawWarm), 2)
        RevalidatedVsCold    = [Math]::Round((Get-Median $warm) / (Get-Median $cold), 2)
        Peer                 = if ($ghTimes) { 'gh run list' } else { 'raw HTTP (gh not installed)' }
    }
    New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
    $result | ConvertTo-Json | Set-Content -Path (Join-Path $OutputPath 'runs.json') -Encoding utf8NoBOM
    [pscustomobject]$result
} finally {
    foreach ($k in $saved.Keys) { if ($null -eq $saved[$k]) { Remove-Item "env:$k" -ErrorAction SilentlyContinue } else { Set-Item "env:$k" $saved[$k] } }
    Stop-X0GitHubStandIn
}
