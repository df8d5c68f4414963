#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# The module package as users get it: build/Invoke-PackageRoundTrip.ps1 publishes the staged module to a
# temp PSResourceGet repository, saves it back and bumps a real repository with it in a new pwsh.
# The script runs in its own pwsh (as ./build.ps1 Package runs it), so PSResourceGet's repository
# list is redirected to a temp folder for that process only.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    $script:Stage = Split-Path -Parent (Get-X0ModulePath)
    $script:RoundTrip = Join-Path $PSScriptRoot '../../build/Invoke-PackageRoundTrip.ps1' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:Rids = 'linux-x64', 'linux-arm64', 'osx-arm64', 'osx-x64', 'win-x64'

    function Invoke-RoundTrip([string] $StagePath, [string] $OutputPath, [string] $ResultPath) {
        $exe = [Environment]::ProcessPath
        $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $exe @prefix -NoProfile -NonInteractive -File $script:RoundTrip -StagePath $StagePath -OutputPath $OutputPath -ResultPath $ResultPath 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }

    function Get-UserRepositoryStore {
        $dataHome = if ($env:XDG_DATA_HOME) { $env:XDG_DATA_HOME } else { Join-Path $HOME '.local/share' }
        Join-Path $dataHome 'PSResourceGet/PSResourceRepository.xml'
    }

    $script:Out = New-X0TempDirectory 'package'
    $script:ResultFile = Join-Path $script:Out 'result.json'
    $script:Run = Invoke-RoundTrip -StagePath $script:Stage -OutputPath $script:Out -ResultPath $script:ResultFile
    $script:Result = if (Test-Path $script:ResultFile) { Get-Content -Raw $script:ResultFile | ConvertFrom-Json } else { $null }
}

Describe 'Package round trip (Publish -> Find -> Save -> Import -> Step-X0Version)' {
    It 'succeeds and bumps the sample with the saved module in a new pwsh' {
        $Run.ExitCode | Should -Be 0 -Because $Run.Output
        $Result | Should -Not -BeNullOrEmpty
        $Result.BumpedVersion | Should -Be '3.2.1'
        $Result.BumpedTag | Should -Be 'v3.2.1'
        $Result.BumpCommit | Should -Match '^[0-9a-f]{40}$'
        $Result.HelpExamples | Should -BeGreaterThan 0
        $Result.SavedTo | Should -Not -BeLike "$Stage*"
    }

    It 'copies x0tta6bl4.<ModuleVersion>.nupkg to the output folder, named from the manifest' {
        $manifest = Import-PowerShellDataFile (Get-X0ModulePath)
        $expected = Join-Path $Out "x0tta6bl4.$($manifest.ModuleVersion).nupkg"
        $Result.Package | Should -Be $expected
        Test-Path $expected | Should -BeTrue
        (Get-FileHash -Algorithm SHA256 $expected).Hash | Should -Be $Result.Sha256
    }

    It 'the nupkg holds the native libgit2 for every shipped RID, the engine and the MAML help' {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Result.Package)
        try {
            $names = @($zip.Entries | ForEach-Object { [uri]::UnescapeDataString($_.FullName) })
            foreach ($rid in $Rids) {
                @($names | Where-Object { $_ -like "dependencies/runtimes/$rid/native/*git2*" }).Count | Should -Be 1 -Because "libgit2 for $rid must ship"
            }
            $names | Should -Contain 'x0tta6bl4.psd1'
            $names | Should -Contain 'X0tta6bl4.dll'
            $names | Should -Contain 'dependencies/X0tta6bl4.Core.dll'
            $names | Should -Contain 'dependencies/LibGit2Sharp.dll'
            $names | Should -Contain 'en-US/X0tta6bl4.dll-Help.xml'
            # The cmdlets assembly stays free of third-party dlls next to it (they load privately).
            @($names | Where-Object { $_ -like '*.dll' -and $_ -notlike 'dependencies/*' }) | Should -Be @('X0tta6bl4.dll')
        } finally {
            $zip.Dispose()
        }
    }

    It 'the saved module loads its engine from the packaged ReadyToRun images for this runtime and RID' {
        $rid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$("$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)".ToLowerInvariant())"
        $images = Join-Path 'dependencies' 'r2r' "net$([Environment]::Version.Major).0" $rid
        if (-not (Test-Path (Join-Path $Stage $images))) {
            Set-ItResult -Skipped -Because "the stage has no ReadyToRun images for this runtime and RID ($images)"
            return
        }
        $Result.ReadyToRun | Should -Contain "net$([Environment]::Version.Major).0/$rid"
        Split-Path -Parent $Result.EngineLoadedFrom | Should -Be (Join-Path $Result.SavedTo $images)
    }

    It 'leaves the user''s PSResourceGet repository list without the temp repository' {
        $store = Get-UserRepositoryStore
        if (Test-Path $store) {
            Get-Content -Raw $store | Should -Not -Match ([regex]::Escape($Result.Repository))
        }
        $Run.Output | Should -Not -Match 'Could not unregister'
    }

    It 'fails, naming the RID, when a staged native library is missing — and still cleans up' {
        $broken = Join-Path (New-X0TempDirectory 'broken-stage') 'x0tta6bl4'
        Copy-Item -Path $Stage -Destination $broken -Recurse
        Remove-Item (Join-Path $broken 'dependencies/runtimes/osx-arm64') -Recurse -Force
        $out = New-X0TempDirectory 'package-broken'

        $run = Invoke-RoundTrip -StagePath $broken -OutputPath $out -ResultPath (Join-Path $out 'result.json')

        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match 'native libgit2 for osx-arm64'
        Test-Path (Join-Path $out 'result.json') | Should -BeFalse
        $temp = [regex]::Match($run.Output, '\((?<feed>[^()]*x0-package-[0-9a-f]{8})[\\/]feed\)').Groups['feed'].Value
        $temp | Should -Not -BeNullOrEmpty -Because 'the script names its temp folder'
        Test-Path $temp | Should -BeFalse -Because 'the temp feed and repository registration are removed on failure'
    }
}
