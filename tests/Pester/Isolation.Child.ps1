<#
.SYNOPSIS
    Runs in a NEW pwsh process for Isolation.Tests.ps1: loads other versions of x0tta6bl4's dependencies
    into the default load context before or after importing the module, bumps a repository, and writes
    what it saw as JSON. Exits non-zero with the error on any failure.
#>
param(
    [Parameter(Mandatory)] [ValidateSet('OthersFirst', 'ModuleFirst', 'OddPath', 'NoRuntimes', 'CorruptNative')] [string] $Scenario,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Packages,
    [Parameter(Mandatory)] [string] $Repo,
    [Parameter(Mandatory)] [string] $WorkDir,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$result = [ordered]@{ Scenario = $Scenario }

function Import-OldLibGit2Sharp {
    # Another module's LibGit2Sharp, loaded where such modules load it: the default context.
    $dll = Join-Path $Packages 'libgit2sharp/0.29.0/lib/net6.0/LibGit2Sharp.dll'
    $assembly = [System.Reflection.Assembly]::LoadFrom($dll)
    # 0.29.0 wants libgit2 "git2-<hash>" from NativeBinaries 2.0.321, which the feed no longer serves; give it
    # the served 2.0.324 build under the name it asks for (GlobalSettings.NativeLibraryPath wants no "lib" prefix).
    $info = $assembly.GetCustomAttributes([System.Reflection.AssemblyInformationalVersionAttribute], $false)[0].InformationalVersion
    if ($info -notmatch 'libgit2-([0-9a-f]+)') { throw "Cannot tell the native library name from '$info'" }
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $native = Get-ChildItem (Join-Path $Packages "libgit2sharp.nativebinaries/2.0.324/runtimes/$rid/native") -File | Select-Object -First 1
    $dir = Join-Path $WorkDir 'old-native'
    New-Item -ItemType Directory -Force $dir | Out-Null
    Copy-Item $native.FullName (Join-Path $dir ("git2-$($Matches[1])" + $native.Extension))
    [LibGit2Sharp.GlobalSettings]::NativeLibraryPath = $dir
    $assembly
}

function Read-HeadWithOldLibGit2Sharp {
    $r = [LibGit2Sharp.Repository]::new($Repo)
    try { $r.Head.Tip.Sha } finally { $r.Dispose() }
}

function Use-OtherNewtonsoft {
    # pwsh already holds Newtonsoft.Json 13 in the default context; a module bringing 12.0.3 must use its own context.
    $context = [System.Runtime.Loader.AssemblyLoadContext]::new('other-module', $false)
    $nj = $context.LoadFromAssemblyPath((Join-Path $Packages 'newtonsoft.json/12.0.3/lib/netstandard2.0/Newtonsoft.Json.dll'))
    $json = $nj.GetType('Newtonsoft.Json.JsonConvert').GetMethod('SerializeObject', [type[]]@([object])).Invoke($null, @(, @{ n = 12 }))
    [ordered]@{ Version = $nj.GetName().Version.ToString(); Json = $json }
}

function Get-LoadedCopies([string] $Name) {
    @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $Name } | ForEach-Object {
        "$($_.GetName().Version)@$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name)"
    } | Sort-Object)
}

function Get-LoadedLibGit2Paths {
    @(Get-Content /proc/self/maps -ErrorAction SilentlyContinue | ForEach-Object { ($_ -split '\s+', 6)[5] } |
        Where-Object { $_ -match 'git2-[0-9a-f]+' } | Sort-Object -Unique)
}

function Step-Once {
    $change = Step-X0Version -Path $Repo -Patch
    [ordered]@{ Version = $change.Version; Commit = $change.Commit; Tag = $change.Tag }
}

try {
    switch ($Scenario) {
        'OthersFirst' {
            Import-OldLibGit2Sharp | Out-Null
            $result.OldHeadBefore = Read-HeadWithOldLibGit2Sharp
            $result.Newtonsoft = Use-OtherNewtonsoft
            Import-Module $ModulePath
            $result.Bump = Step-Once
            $result.OldHeadAfter = Read-HeadWithOldLibGit2Sharp
        }
        'ModuleFirst' {
            Import-Module $ModulePath
            $result.Bump = Step-Once
            Import-OldLibGit2Sharp | Out-Null
            $result.OldHeadAfter = Read-HeadWithOldLibGit2Sharp
            $result.Newtonsoft = Use-OtherNewtonsoft
            $result.SecondBump = Step-Once
        }
        'OddPath' {
            $version = Split-Path (Split-Path $ModulePath) -Leaf
            $target = Join-Path $WorkDir "x0 мод ü/x0tta6bl4/$version"
            New-Item -ItemType Directory -Force $target | Out-Null
            Copy-Item (Join-Path (Split-Path $ModulePath) '*') $target -Recurse
            $result.ModuleBase = (Import-Module (Join-Path $target 'x0tta6bl4.psd1') -PassThru).ModuleBase
            $result.Bump = Step-Once
        }
        { $_ -in 'NoRuntimes', 'CorruptNative' } {
            $target = Join-Path $WorkDir 'broken/x0tta6bl4'
            New-Item -ItemType Directory -Force $target | Out-Null
            Copy-Item (Join-Path (Split-Path $ModulePath) '*') $target -Recurse
            if ($Scenario -eq 'NoRuntimes') {
                Remove-Item (Join-Path $target 'dependencies/runtimes') -Recurse -Force
            } else {
                # Present but not a loadable library (a truncated download, the wrong architecture).
                $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
                $native = Get-ChildItem (Join-Path $target "dependencies/runtimes/$rid/native") -File -Filter "*git2*" | Select-Object -First 1
                [System.IO.File]::WriteAllBytes($native.FullName, [byte[]](1..64))
                $result.NativeFile = $native.FullName
            }
            Import-Module (Join-Path $target 'x0tta6bl4.psd1')
            Step-X0Version -Path $Repo -Patch -ErrorAction SilentlyContinue -ErrorVariable failure | Out-Null
            $result.ModuleBase = $target
            $result.ErrorId = $failure[0].FullyQualifiedErrorId
            $result.Category = "$($failure[0].CategoryInfo.Category)"
            $result.Message = $failure[0].Exception.Message
            $result.RecommendedAction = $failure[0].ErrorDetails.RecommendedAction
        }
    }
    $result.LibGit2Sharp = @(Get-LoadedCopies 'LibGit2Sharp')
    $result.Core = @(Get-LoadedCopies 'X0tta6bl4.Core')
    $result.NativePaths = @(Get-LoadedLibGit2Paths)
    $result | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM
    exit 0
} catch {
    Write-Output "FAILED: $($_.Exception.GetType().FullName): $($_.Exception.Message)"
    Write-Output $_.ScriptStackTrace
    exit 3
}
