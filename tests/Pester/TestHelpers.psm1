# Shared helpers for the Pester suite: real git repositories in temp folders, the sample project,
# and the staged module's path (set by build/Invoke-PesterSuite.ps1).

function Get-X0ModulePath {
    if (-not $env:X0_MODULE_PATH) { throw 'X0_MODULE_PATH is not set: run the suite through ./build.ps1 Test.' }
    $env:X0_MODULE_PATH
}

function Invoke-Git {
    # Plain $args (no param block): git's own switches such as -A must not bind to PowerShell parameters.
    $Path = $args[0]
    $Arguments = @($args | Select-Object -Skip 1)
    $output = & git -C $Path @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "git $($Arguments -join ' ') failed in ${Path}: $output" }
    $output
}

function New-X0TempDirectory([string] $Name = 'x0') {
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "x0-pester/$Name-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $dir
}

function New-X0GitRepository {
    <# A git repository with an identity, optionally seeded from a folder, with one commit. #>
    param([string] $From, [string] $Name = 'repo', [switch] $WithRemote)
    $dir = New-X0TempDirectory $Name
    if ($From) { Copy-Item -Path (Join-Path $From '*') -Destination $dir -Recurse -Force }
    Invoke-Git $dir init -q -b main | Out-Null
    Invoke-Git $dir config user.name 'X0 Pester' | Out-Null
    Invoke-Git $dir config user.email 'pester@example.com' | Out-Null
    Invoke-Git $dir config commit.gpgsign false | Out-Null
    Invoke-Git $dir add -A | Out-Null
    Invoke-Git $dir commit -q --allow-empty -m 'feat: initial import' | Out-Null
    if ($WithRemote) {
        $bare = "$dir-origin.git"
        & git init -q --bare -b main $bare | Out-Null
        Invoke-Git $dir remote add origin $bare | Out-Null
        Invoke-Git $dir push -q origin main | Out-Null
    }
    $dir
}

function Get-X0NuGetPackagesRoot {
    <# The NuGet global packages folder, where build/Pester.Restore.csproj put the packages tests load. #>
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES.TrimEnd('/', '\') }
    $line = (& dotnet nuget locals global-packages --list) -join "`n"
    if ($line -notmatch 'global-packages:\s*(.+)$') { throw "Cannot find the NuGet global packages folder: $line" }
    $Matches[1].Trim().TrimEnd('/', '\')
}

function Get-X0RepositoryRoot {
    Join-Path $PSScriptRoot '../..' | Resolve-Path | Select-Object -ExpandProperty Path
}

function Invoke-X0ChildPwsh {
    <# Runs a script in a NEW pwsh process (same tool manifest) and returns its exit code and output. #>
    param([Parameter(Mandatory)] [string] $Script, [string[]] $Arguments = @())
    Push-Location (Get-X0RepositoryRoot)
    try {
        $output = & dotnet pwsh -NoProfile -NonInteractive -File $Script @Arguments 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    } finally { Pop-Location }
}

function Get-X0SamplePath {
    Join-Path $PSScriptRoot '../../samples/python-project' | Resolve-Path | Select-Object -ExpandProperty Path
}

function Get-X0TreeSnapshot {
    <# Hashes of every file (including .git internals) so a test can prove nothing changed. #>
    param([Parameter(Mandatory)] [string] $Path)
    Get-ChildItem -Path $Path -Recurse -File -Force |
        Sort-Object FullName |
        ForEach-Object { '{0} {1}' -f $_.FullName.Substring($Path.Length), (Get-FileHash -Algorithm SHA256 $_.FullName).Hash }
}

function Stop-X0TestListener($Server) {
    <# Stops a test's HttpListener server ({ Listener, PowerShell, Async }) and the runspace serving it. #>
    $Server.Listener.Stop(); $Server.Listener.Close()
    [void]$Server.Async.AsyncWaitHandle.WaitOne(5000)
    $Server.PowerShell.Dispose()
}

Export-ModuleMember -Function *
