<#
.SYNOPSIS
    Replays public projects' release histories with Get-X0Version (the version Step-X0Version -Auto
    would choose) and compares each prediction with the version the project really released.
.DESCRIPTION
    For each project in projects.psd1: clone its repository once (from -MirrorRoot, e.g. mirrors made
    with the search tool's fetch; the network is needed only to make those) into -WorkRoot; take its
    final release tags in the project's tag format, newest first (-MaxPerProject); for each, check out
    the first parent of the tagged commit - the tree just before the release commit, when a
    maintainer decides to release - and ask Get-X0Version what the next version is. Nothing is written
    to the projects' histories: the checkout is detached and only the untracked x0tta6bl4.toml that
    sets the tag format is added.

    Every outcome is classified: match, no-release (the commits called for none), lower or higher
    (another level), error (the version could not be read: our bugs first), base-missing (no earlier
    release tag reachable). Results go to <OutputPath>/corpus.json and corpus.md.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/corpus/Invoke-CorpusReplay.ps1 -ModulePath out/x0tta6bl4/0.1.0/x0tta6bl4.psd1 -MirrorRoot /work/.mirror
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $MirrorRoot,
    [string] $WorkRoot = (Join-Path $PSScriptRoot '../../out/corpus/work'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../../out/corpus'),
    [int] $MaxPerProject = 60,
    [string[]] $Only
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path -LiteralPath $ModulePath).Path -Force
$projects = (Import-PowerShellDataFile (Join-Path $PSScriptRoot 'projects.psd1')).Projects
if ($Only) { $projects = $projects | Where-Object Name -in $Only }
New-Item -ItemType Directory -Force -Path $WorkRoot, $OutputPath | Out-Null

function Get-FinalVersion([string] $Tag, [string] $Format) {
    # The version a release tag names, for final releases only (x.y.z), else $null.
    $prefix, $suffix = $Format -split '\{version\}', 2
    if (-not $Tag.StartsWith($prefix) -or -not $Tag.EndsWith($suffix)) { return $null }
    $text = $Tag.Substring($prefix.Length, $Tag.Length - $prefix.Length - $suffix.Length)
    if ($text -match '^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$') { return [version]::new([int]$Matches[1], [int]$Matches[2], [int]$Matches[3]) }
    $null
}

$results = [System.Collections.Generic.List[object]]::new()
foreach ($p in $projects) {
    $source = if ([IO.Path]::IsPathRooted($p.Source) -or $p.Source -match '://') { $p.Source } else { Join-Path $MirrorRoot $p.Source }
    $clone = Join-Path $WorkRoot $p.Name
    if (-not (Test-Path (Join-Path $clone '.git'))) {
        & git clone -q --no-checkout $source $clone 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { Write-Warning "$($p.Name): cannot clone $source"; continue }
    }
    $tags = & git -C $clone tag -l | ForEach-Object { $v = Get-FinalVersion $_ $p.TagFormat; if ($v) { [pscustomobject]@{ Tag = $_; Version = $v } } } |
        Sort-Object Version -Descending | Select-Object -First $MaxPerProject
    # Every tag with the date of the commit it names: at each replayed release, the tags made after it are hidden,
    # as they did not exist when the maintainer released (a later tag would otherwise name versions the files hold).
    $allTags = & git -C $clone for-each-ref refs/tags --format='%(refname) %(objectname) %(*committerdate:unix)%(committerdate:unix)' |
        ForEach-Object { $r, $o, $d = $_ -split ' '; [pscustomobject]@{ Ref = $r; Object = $o; Date = [long]$d } }
    $i = 0
    foreach ($t in $tags) {
        $i++
        Write-Progress -Activity "Replaying $($p.Name)" -Status $t.Tag -PercentComplete (100 * $i / @($tags).Count)
        $expected = "$($t.Version.Major).$($t.Version.Minor).$($t.Version.Build)"
        $row = [ordered]@{ Project = $p.Name; Kind = $p.Kind; Tag = $t.Tag; Expected = $expected; Predicted = $null; Outcome = $null
            Level = $null; LastReleaseTag = $null; AlreadyBumped = $false; Sources = $null; Reason = $null; Commits = 0; Conventional = 0; Cause = $null }
        $parent = & git -C $clone rev-parse --verify -q "$($t.Tag)^{commit}^1" 2>$null
        if (-not $parent) { $row.Outcome = 'first-commit'; $results.Add([pscustomobject]$row); continue }
        & git -C $clone checkout -q -f --detach $parent 2>&1 | Out-Null
        & git -C $clone clean -q -fdx 2>&1 | Out-Null
        Set-Content -LiteralPath (Join-Path $clone 'x0tta6bl4.toml') -Value "tag_format = `"$($p.TagFormat)`""
        $parentDate = [long](& git -C $clone log -1 --format=%ct $parent)
        $future = @($allTags | Where-Object { $_.Date -gt $parentDate -or $_.Ref -eq "refs/tags/$($t.Tag)" })
        if ($future) { ($future | ForEach-Object { "delete $($_.Ref) $($_.Object)" }) -join "`n" | & git -C $clone update-ref --stdin }
        try {
            $v = Get-X0Version -Path $clone -WarningAction SilentlyContinue -ErrorAction Stop
            $row.Predicted = $v.NextVersion; $row.Level = $v.Level; $row.LastReleaseTag = $v.LastReleaseTag
            $row.AlreadyBumped = $v.AlreadyBumped; $row.Reason = $v.Reason
            $row.Sources = if ($v.TagSource) { 'tags' } else { ($v.Sources | ForEach-Object { "$($_.Path) [$($_.Anchor)]" }) -join '; ' }
            $row.Outcome = if (-not $v.LastReleaseTag) { 'base-missing' }
                elseif (-not $v.NextVersion) { 'no-release' }
                elseif ($v.NextVersion -eq $expected) { 'match' }
                elseif ([version]($v.NextVersion -replace '[-+].*$', '') -lt $t.Version) { 'lower' }
                else { 'higher' }
            # Why a prediction differs: how many commits of the range follow Conventional Commits at all.
            if ($v.LastReleaseTag) {
                $subjects = @(& git -C $clone log --format=%s "$($v.LastReleaseTag)..$parent" 2>$null)
                $row.Commits = $subjects.Count
                $row.Conventional = @($subjects | Where-Object { $_ -match '^[a-zA-Z]+(\([^)]*\))?!?: ' }).Count
            }
        } catch {
            $row.Outcome = 'error'
            $row.Reason = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
        } finally {
            if ($future) { ($future | ForEach-Object { "create $($_.Ref) $($_.Object)" }) -join "`n" | & git -C $clone update-ref --stdin }
        }
        $row.Cause = switch ($row.Outcome) {
            'match' { if ($row.AlreadyBumped) { 'files already bumped' } else { 'commits' } }
            'no-release' { if ($row.Conventional -eq 0) { 'no Conventional Commits in the range' } else { 'only types that do not release' } }
            { $_ -in 'lower', 'higher' } { if ($row.AlreadyBumped) { 'files ahead of the tag' } elseif ($row.Conventional -lt $row.Commits / 2) { 'mostly non-conventional commits' } else { "maintainer chose another level than the commits' types" } }
            'error' { 'version not readable' }
            default { $row.Outcome }
        }
        $results.Add([pscustomobject]$row)
    }
    Write-Host ("{0,-26} {1,4} releases  {2}" -f $p.Name, @($tags).Count,
        (($results | Where-Object Project -eq $p.Name | Group-Object Outcome | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', '))
}
Write-Progress -Activity 'Replaying' -Completed
$results | ConvertTo-Json -Depth 4 | Set-Content (Join-Path $OutputPath 'corpus.json')

$md = [System.Text.StringBuilder]::new()
[void]$md.AppendLine('| project | kind | releases | match | no-release | lower | higher | error | base-missing | agreement |')
[void]$md.AppendLine('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|')
foreach ($g in $results | Group-Object Project) {
    $c = @{}; foreach ($o in 'match', 'no-release', 'lower', 'higher', 'error', 'base-missing', 'first-commit') { $c[$o] = @($g.Group | Where-Object Outcome -eq $o).Count }
    $scored = $g.Count - $c['base-missing'] - $c['first-commit']
    [void]$md.AppendLine(("| {0} | {1} | {2} | {3} | {4} | {5} | {6} | {7} | {8} | {9:P0} |" -f $g.Name, $g.Group[0].Kind, $g.Count, $c['match'], $c['no-release'], $c['lower'], $c['higher'], $c['error'], ($c['base-missing'] + $c['first-commit']), ($(if ($scored) { $c['match'] / $scored } else { 0 }))))
}
$all = @($results | Where-Object Outcome -notin 'base-missing', 'first-commit')
[void]$md.AppendLine(("`n{0} releases replayed, {1} scored, {2} matched ({3:P1}); errors: {4}." -f $results.Count, $all.Count, @($all | Where-Object Outcome -eq 'match').Count,
    ($(if ($all.Count) { @($all | Where-Object Outcome -eq 'match').Count / $all.Count } else { 0 })), @($all | Where-Object Outcome -eq 'error').Count))
[void]$md.AppendLine("`n| cause | releases |`n|---|---:|")
foreach ($g in $results | Group-Object Outcome, Cause | Sort-Object Count -Descending) {
    [void]$md.AppendLine("| $($g.Name) | $($g.Count) |")
}
$conventional = @($all | Where-Object { $_.Commits -gt 0 -and $_.Conventional / $_.Commits -ge 0.8 })
[void]$md.AppendLine(("`nReleases whose range is at least 80 % Conventional Commits: {0}, of which {1} matched ({2:P1})." -f $conventional.Count,
    @($conventional | Where-Object Outcome -eq 'match').Count, ($(if ($conventional.Count) { @($conventional | Where-Object Outcome -eq 'match').Count / $conventional.Count } else { 0 }))))
$md.ToString() | Set-Content (Join-Path $OutputPath 'corpus.md')
$md.ToString()
