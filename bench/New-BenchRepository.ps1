#requires -Version 7.4
<#
.SYNOPSIS
    Generates a git repository with a given number of commits, quickly, through `git fast-import`.
.DESCRIPTION
    Commit 1 imports the sample project (its version files say 3.2.0); every later commit changes one
    of 64 small files under history/, so repositories of any depth end with the same tracked files
    and only their history differs. Ten annotated release tags are spread evenly over the history,
    the last one (v3.2.0) on HEAD, so the tag count is the same at every depth too.
    The result is a normal repository with a checked-out working tree and a git identity.
    With -CacheRoot, the repository is kept under <CacheRoot>/commits-<N>-<generator> and reused.
.OUTPUTS
    The repository path.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidateRange(11, 10000000)] [int] $Commits,
    [Parameter(Mandatory)] [string] $SamplePath,
    # Folder of cached repositories (keyed by size); without it -Path is required.
    [string] $CacheRoot,
    # Where to create the repository (must not exist) when no cache is used.
    [string] $Path
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# Bump when the generated content changes, so stale caches are not reused.
$Generator = 'g1'
$FillerFiles = 64
$TagCount = 10

if ($CacheRoot) {
    $Path = Join-Path $CacheRoot "commits-$Commits-$Generator"
    $done = "$Path.complete"
    if ((Test-Path -LiteralPath $done) -and (Test-Path -LiteralPath (Join-Path $Path '.git'))) {
        return $Path
    }
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
} elseif (-not $Path) {
    throw 'Pass -CacheRoot or -Path.'
} elseif (Test-Path -LiteralPath $Path) {
    throw "Expected a new folder for the repository, but $Path exists. Pass another -Path."
}

$SamplePath = (Resolve-Path -LiteralPath $SamplePath).Path
New-Item -ItemType Directory -Force -Path $Path | Out-Null
& git -C $Path init -q -b main
if ($LASTEXITCODE) { throw "git init failed in $Path" }

$timer = [System.Diagnostics.Stopwatch]::StartNew()
$psi = [System.Diagnostics.ProcessStartInfo]::new('git')
foreach ($a in '-C', $Path, 'fast-import', '--quiet', '--done') { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardInput = $true
$psi.RedirectStandardError = $true
$psi.UseShellExecute = $false
$git = [System.Diagnostics.Process]::Start($psi)
$stderr = $git.StandardError.ReadToEndAsync()
$stream = [System.IO.BufferedStream]::new($git.StandardInput.BaseStream, 1MB)
$utf8 = [System.Text.UTF8Encoding]::new($false)

function Write-Text([string] $Text) {
    $bytes = $utf8.GetBytes($Text)
    $stream.Write($bytes, 0, $bytes.Length)
}
function Write-Data([byte[]] $Bytes) {
    Write-Text "data $($Bytes.Length)`n"
    $stream.Write($Bytes, 0, $Bytes.Length)
    Write-Text "`n"
}

$identity = 'Bench Generator <bench@x0tta6bl4.invalid>'
$epoch = 1500000000
# Tag k (1..10) sits on commit round(N*k/10); the last is v3.2.0 on HEAD.
$tagAt = @{}
for ($k = 1; $k -le $TagCount; $k++) {
    $name = if ($k -eq $TagCount) { 'v3.2.0' } else { "v3.1.$($k - 1)" }
    $tagAt[[int][math]::Round($Commits * $k / $TagCount)] = $name
}

try {
    # Commit 1: the sample project.
    Write-Text "commit refs/heads/main`nmark :1`nauthor $identity $epoch +0000`ncommitter $identity $epoch +0000`n"
    Write-Data $utf8.GetBytes("feat: import the sample project`n")
    foreach ($file in Get-ChildItem -LiteralPath $SamplePath -Recurse -File -Force) {
        $rel = [System.IO.Path]::GetRelativePath($SamplePath, $file.FullName).Replace('\', '/')
        Write-Text "M 100644 inline $rel`n"
        Write-Data ([System.IO.File]::ReadAllBytes($file.FullName))
    }
    Write-Text "`n"

    for ($i = 2; $i -le $Commits; $i++) {
        $t = $epoch + $i * 600
        $slot = $i % $FillerFiles
        $message = "chore: history entry $i`n"
        $content = "entry $i`n"
        # ASCII only below, so character counts are byte counts.
        $chunk = $utf8.GetBytes(
            "commit refs/heads/main`nmark :$i`nauthor $identity $t +0000`ncommitter $identity $t +0000`n" +
            "data $($message.Length)`n$message" + "from :$($i - 1)`n" +
            "M 100644 inline history/$slot.txt`ndata $($content.Length)`n$content`n")
        $stream.Write($chunk, 0, $chunk.Length)
        if ($i % 20000 -eq 0) { Write-Progress -Activity "Generating $Commits commits" -Status "$i" -PercentComplete ([int](100 * $i / $Commits)) }
    }
    foreach ($at in $tagAt.Keys | Sort-Object) {
        $name = $tagAt[$at]
        Write-Text "tag $name`nfrom :$at`ntagger $identity $($epoch + $at * 600 + 1) +0000`n"
        Write-Data $utf8.GetBytes("Release $name`n")
    }
    Write-Text "done`n"
    $stream.Flush()
} finally {
    # Closes git's stdin (the StreamWriter around it holds nothing: everything went through $stream).
    try { $stream.Dispose() } catch [System.IO.IOException] { Write-Verbose "fast-import closed its input early: $_" }
    $git.WaitForExit()
    Write-Progress -Activity "Generating $Commits commits" -Completed
}
if ($git.ExitCode -ne 0) { throw "git fast-import failed (exit $($git.ExitCode)): $($stderr.Result)" }

& git -C $Path reset -q --hard main
if ($LASTEXITCODE) { throw "git reset failed in $Path" }
& git -C $Path config user.name 'Bench Generator'
& git -C $Path config user.email 'bench@x0tta6bl4.invalid'
& git -C $Path config commit.gpgsign false
$count = [int](& git -C $Path rev-list --count HEAD)
if ($count -ne $Commits) { throw "Expected $Commits commits in $Path, but found $count." }
Write-Verbose "Generated $Commits commits in $([math]::Round($timer.Elapsed.TotalSeconds, 1)) s at $Path"
if ($CacheRoot) { Set-Content -LiteralPath "$Path.complete" -Value (Get-Date -AsUTC -Format o) }
$Path
