#requires -Version 7.4
<#
.SYNOPSIS
    Writes a deterministic git repository of Conventional Commits through git fast-import.
.DESCRIPTION
    The same -Commits and -Seed always give the same repository, byte for byte (fixed identities and
    timestamps). Shape: a main line with a feature branch merged every ~40 commits (--no-ff merge
    commits with GitHub's "Merge pull request #N" message), an annotated tag every ~TagEvery commits
    on main, squash-merge suffixes "(#N)", scopes, multi-paragraph bodies, trailers, breaking changes
    (both "!" and footers), reverts, and about one non-conventional message in ten.
    Writes <Path>/.x0-manifest.json: per tag, the headers of the conventional commits in its range, so
    tests can check that notes contain exactly those commits.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [int] $Commits = 1000,
    [int] $TagEvery = 200,
    [int] $Seed = 42,
    [switch] $Force
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if (Test-Path $Path) {
    if (-not $Force) { throw "$Path exists; pass -Force to replace it." }
    Remove-Item $Path -Recurse -Force
}
New-Item -ItemType Directory -Force -Path $Path | Out-Null
& git -C $Path init -q -b main
if ($LASTEXITCODE -ne 0) { throw 'git init failed' }

$rng = [System.Random]::new($Seed)
$types = @('feat', 'feat', 'feat', 'fix', 'fix', 'fix', 'fix', 'fix', 'docs', 'docs', 'chore', 'chore', 'refactor', 'test', 'perf', 'ci', 'build', 'style', 'sec')
$scopes = @($null, $null, 'api', 'cli', 'core', 'parser', 'executor', 'analyzer', 'planner', 'ui', 'deps')
$verbs = @('add', 'remove', 'handle', 'support', 'rework', 'speed up', 'document', 'validate', 'cache', 'retry')
$nouns = @('config loading', 'empty input', 'unicode names', 'the planner queue', 'timeouts', 'large files', 'tag parsing', 'log output', 'node health', 'retry budget')
$nonConventional = @('Update README.md', 'WIP', 'fixup! tidy', 'Merge branch ''main'' into dev', 'Initial import', 'small tweaks', 'Fix typo')

$sb = [System.Text.StringBuilder]::new(1MB)
$utf8 = [System.Text.UTF8Encoding]::new($false)
$epoch = 1700000000
$mark = 0
$mainMark = 0
$release = [System.Collections.Generic.List[object]]::new()
$manifest = [System.Collections.Generic.List[object]]::new()
$pending = [System.Collections.Generic.List[string]]::new()
$pendingOther = 0
$minor = 0
$pr = 100
$count = 0

function Add-Data([string] $Text) {
    $bytes = $utf8.GetByteCount($Text)
    [void]$sb.Append("data $bytes`n").Append($Text).Append("`n")
}

function New-Message {
    $r = $rng.Next(100)
    if ($r -lt 9) { $m = $nonConventional[$rng.Next($nonConventional.Count)]; return @{ Text = $m; Header = $m; Conventional = $false } }
    $type = $types[$rng.Next($types.Count)]
    $scope = $scopes[$rng.Next($scopes.Count)]
    $desc = "$($verbs[$rng.Next($verbs.Count)]) $($nouns[$rng.Next($nouns.Count)])"
    $bang = if ($rng.Next(400) -eq 0) { '!' } else { '' }
    $head = if ($scope) { "$type($scope)$bang" } else { "$type$bang" }
    if ($r -lt 11) {
        $header = "revert: ${type}: $desc"
        return @{ Text = "$header`n`nRefs: #$($rng.Next(1, 999))"; Header = $header; Conventional = $true }
    }
    $header = "${head}: $desc"
    $squash = $rng.Next(5) -eq 0
    if ($squash) { $script:pr++ }
    $text = $header + $(if ($squash) { " (#$script:pr)" } else { '' })
    if ($rng.Next(10) -lt 3) {
        $text += "`n`nThis change touches $($nouns[$rng.Next($nouns.Count)]) and keeps the old behaviour`nbehind a flag.`n`nA second paragraph explains why: $($nouns[$rng.Next($nouns.Count)])."
    }
    $footers = @()
    if ($rng.Next(300) -eq 0) { $footers += "BREAKING CHANGE: $desc changes the public API" }
    if ($rng.Next(6) -eq 0) { $footers += "Refs: #$($rng.Next(1, 999))" }
    if ($rng.Next(8) -eq 0) { $footers += 'Co-authored-by: Dev Two <two@example.com>' }
    if ($rng.Next(8) -eq 0) { $footers += 'Signed-off-by: Dev One <one@example.com>' }
    if ($footers) { $text += "`n`n" + ($footers -join "`n") }
    @{ Text = $text; Header = ($text -split "`n")[0]; Conventional = $true }
}

function Add-Commit([string] $Ref, [string] $Message, [int] $From, [int] $Merge = 0) {
    $script:mark++
    $script:count++
    $t = $epoch + $script:count * 600
    [void]$sb.Append("commit $Ref`nmark :$script:mark`n")
    [void]$sb.Append("author Dev One <one@example.com> $t +0000`ncommitter Dev One <one@example.com> $t +0000`n")
    Add-Data $Message
    if ($From -gt 0) { [void]$sb.Append("from :$From`n") }
    if ($Merge -gt 0) { [void]$sb.Append("merge :$Merge`n") }
    [void]$sb.Append("M 644 inline src/file$($script:count % 50).txt`n")
    Add-Data "$script:count`n"
    [void]$sb.Append("`n")
    $script:mark
}

function Register([hashtable] $m) {
    if ($m.Conventional) { $pending.Add($m.Header) } else { $script:pendingOther++ }
}

$sinceTag = 0
while ($count -lt $Commits) {
    if ($count -gt 0 -and $count % 40 -eq 20 -and ($Commits - $count) -gt 5) {
        # A feature branch of three commits merged with a merge commit (not an entry itself).
        $branchMark = $mainMark
        $ref = "refs/heads/feature-$count"
        for ($k = 0; $k -lt 3; $k++) {
            $m = New-Message
            $branchMark = Add-Commit $ref $m.Text $branchMark
            Register $m
        }
        $pr++
        $mainMark = Add-Commit 'refs/heads/main' "Merge pull request #$pr from acme/feature-$count`n`nfeat: merged feature $count" $mainMark $branchMark
        [void]$sb.Append("reset $ref`nfrom 0000000000000000000000000000000000000000`n`n")
        $sinceTag += 4
    } else {
        $m = New-Message
        $mainMark = Add-Commit 'refs/heads/main' $m.Text $mainMark
        Register $m
        $sinceTag++
    }
    if ($sinceTag -ge $TagEvery -and ($Commits - $count) -gt 1) {
        $minor++
        $tag = "v1.$minor.0"
        $t = $epoch + $count * 600 + 1
        [void]$sb.Append("tag $tag`nfrom :$mainMark`ntagger Dev One <one@example.com> $t +0000`n")
        Add-Data "Release $tag"
        $manifest.Add([ordered]@{ tag = $tag; conventional = @($pending); nonConventional = $pendingOther })
        $pending.Clear(); $pendingOther = 0; $sinceTag = 0
    }
}
$manifest.Add([ordered]@{ tag = $null; conventional = @($pending); nonConventional = $pendingOther })

$streamFile = Join-Path ([System.IO.Path]::GetTempPath()) "x0-fastimport-$([guid]::NewGuid().ToString('N')).txt"
[System.IO.File]::WriteAllText($streamFile, $sb.ToString(), $utf8)
try {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('git')
    foreach ($a in @('-C', $Path, 'fast-import', '--quiet')) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $in = [System.IO.File]::OpenRead($streamFile)
    try { $in.CopyTo($p.StandardInput.BaseStream) } finally { $in.Dispose() }
    $p.StandardInput.Close()
    $p.WaitForExit()
    if ($p.ExitCode -ne 0) { throw "git fast-import failed ($($p.ExitCode))" }
} finally { Remove-Item $streamFile -ErrorAction SilentlyContinue }
& git -C $Path checkout -q -f main
if ($LASTEXITCODE -ne 0) { throw 'git checkout failed' }
& git -C $Path remote add origin 'git@github.com:acme/bench-repo.git'
[System.IO.File]::WriteAllText((Join-Path $Path '.git/x0-manifest.json'), ($manifest | ConvertTo-Json -Depth 5), $utf8)
[pscustomobject]@{ Path = (Resolve-Path $Path).Path; Commits = $count; Tags = $minor; Manifest = (Join-Path $Path '.git/x0-manifest.json') }
