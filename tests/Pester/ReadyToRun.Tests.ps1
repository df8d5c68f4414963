#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# The engine's ReadyToRun images (dependencies/r2r/<tfm>/<rid>/): used on a matching runtime and RID,
# and never needed — without them, or on another runtime or RID, the portable IL copies load instead.
# (An image compiled for another OS/architecture fails to load at all, so the RID match is essential.)

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Add-Type -AssemblyName System.Reflection.Metadata

    $script:Stage = Split-Path -Parent (Get-X0ModulePath)
    $script:Runtime = "net$([Environment]::Version.Major).0"
    $script:Rid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$("$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)".ToLowerInvariant())"
    $script:Images = Join-Path $script:Stage 'dependencies' 'r2r' $script:Runtime $script:Rid

    function Test-ReadyToRunImage([string] $Path) {
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            try { $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 } finally { $pe.Dispose() }
        } finally { $stream.Dispose() }
    }

    function Invoke-BumpInChild([string] $ModulePath, [string] $Repo) {
        # A new pwsh: which files an assembly loads from is decided once per process.
        $exe = [Environment]::ProcessPath
        $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModulePath.Replace("'", "''"))'
Step-X0Version -Patch -WhatIf -Path '$($Repo.Replace("'", "''"))' 6>`$null
`$engine = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'x0tta6bl4' | ForEach-Object { `$_.Assemblies } | Where-Object { `$_.GetName().Name -eq 'X0tta6bl4.Core' }
'ENGINE=' + `$engine.Location
"@
        $output = & $exe @prefix -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output; Engine = [regex]::Match($output, 'ENGINE=(.+)').Groups[1].Value.Trim() }
    }

    $script:Repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'r2r'
}

Describe 'ReadyToRun images of the engine' {
    It 'are precompiled copies of exactly the portable assemblies, with the same identities' {
        if (-not (Test-Path $Images)) {
            Set-ItResult -Skipped -Because "the stage has no ReadyToRun images for $Runtime/$Rid (built with -NoReadyToRun, or not a shipped RID)"
            return
        }
        # Assemblies the runtime ships itself (System.IO.Pipelines on .NET 10) get no image; the portable copy serves.
        $frameworkDir = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        $portable = @(Get-ChildItem (Join-Path $Stage 'dependencies') -Filter *.dll -File | Where-Object { -not (Test-Path (Join-Path $frameworkDir $_.Name)) })
        @(Get-ChildItem $Images -Filter *.dll -File).Name | Sort-Object | Should -Be (@($portable.Name | Sort-Object))
        foreach ($dll in $portable) {
            $image = Join-Path $Images $dll.Name
            Test-ReadyToRunImage $image | Should -BeTrue -Because "$($dll.Name) under r2r/ must hold precompiled code"
            Test-ReadyToRunImage $dll.FullName | Should -BeFalse -Because "the portable $($dll.Name) stays IL only"
            [System.Reflection.AssemblyName]::GetAssemblyName($image).FullName | Should -Be ([System.Reflection.AssemblyName]::GetAssemblyName($dll.FullName).FullName)
        }
    }

    It 'the engine loads from the images on their runtime and RID, else from the portable copy' {
        $run = Invoke-BumpInChild -ModulePath (Get-X0ModulePath) -Repo $Repo
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'What if: Bump 3\.2\.0 → 3\.2\.1'
        $expected = if (Test-Path $Images) { $Images } else { Join-Path $Stage 'dependencies' }
        Split-Path -Parent $run.Engine | Should -Be $expected
    }

    It 'falls back to the portable assemblies when the images target another runtime' {
        $copy = Join-Path (New-X0TempDirectory 'r2r-stage') 'x0tta6bl4'
        Copy-Item -Path $Stage -Destination $copy -Recurse
        $r2r = Join-Path $copy 'dependencies' 'r2r'
        if (Test-Path (Join-Path $r2r $Runtime)) { Rename-Item (Join-Path $r2r $Runtime) 'net99.0' }

        $run = Invoke-BumpInChild -ModulePath (Join-Path $copy 'x0tta6bl4.psd1') -Repo $Repo

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'What if: Bump 3\.2\.0 → 3\.2\.1'
        Split-Path -Parent $run.Engine | Should -Be (Join-Path $copy 'dependencies')
    }

    It 'never loads images of another RID (they would not even load: BadImageFormatException)' {
        if (-not (Test-Path $Images)) {
            Set-ItResult -Skipped -Because "the stage has no ReadyToRun images for $Runtime/$Rid to disguise"
            return
        }
        $copy = Join-Path (New-X0TempDirectory 'r2r-rid') 'x0tta6bl4'
        Copy-Item -Path $Stage -Destination $copy -Recurse
        $frameworkDir = Join-Path $copy 'dependencies' 'r2r' $Runtime
        $other = if ($Rid -eq 'win-x64') { 'linux-x64' } else { 'win-x64' }
        Get-ChildItem $frameworkDir -Directory | Where-Object Name -ne $Rid | Remove-Item -Recurse -Force
        Rename-Item (Join-Path $frameworkDir $Rid) $other

        $run = Invoke-BumpInChild -ModulePath (Join-Path $copy 'x0tta6bl4.psd1') -Repo $Repo

        $run.ExitCode | Should -Be 0 -Because $run.Output
        Split-Path -Parent $run.Engine | Should -Be (Join-Path $copy 'dependencies')
    }

    It 'works without any images' {
        $copy = Join-Path (New-X0TempDirectory 'r2r-none') 'x0tta6bl4'
        Copy-Item -Path $Stage -Destination $copy -Recurse
        Remove-Item (Join-Path $copy 'dependencies' 'r2r') -Recurse -Force -ErrorAction SilentlyContinue

        $run = Invoke-BumpInChild -ModulePath (Join-Path $copy 'x0tta6bl4.psd1') -Repo $Repo

        $run.ExitCode | Should -Be 0 -Because $run.Output
        Split-Path -Parent $run.Engine | Should -Be (Join-Path $copy 'dependencies')
    }
}
