#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# The module in NEW pwsh processes next to other versions of its dependencies, and from awkward paths.
# Each scenario is Isolation.Child.ps1 in its own process: an assembly identity is process-wide.

BeforeDiscovery {
    # Restored by build/Pester.Restore.csproj; without them the side-by-side tests are skipped (a failure in CI).
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $packages = Get-X0NuGetPackagesRoot
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $Missing = @(@(
        'libgit2sharp/0.29.0/lib/net6.0/LibGit2Sharp.dll',
        "libgit2sharp.nativebinaries/2.0.324/runtimes/$rid/native",
        'newtonsoft.json/12.0.3/lib/netstandard2.0/Newtonsoft.Json.dll'
    ) | Where-Object { -not (Test-Path (Join-Path $packages $_)) })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-X0ModulePath
    $script:Packages = Get-X0NuGetPackagesRoot
    $script:Child = Join-Path $PSScriptRoot 'Isolation.Child.ps1'
    $script:Rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier

    $script:Created = [System.Collections.Generic.List[string]]::new()

    function Invoke-Scenario([string] $Scenario) {
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name "iso-$Scenario"
        $work = New-X0TempDirectory "iso-work-$Scenario"
        $Created.Add($repo); $Created.Add($work)
        $resultPath = Join-Path $work 'result.json'
        $run = Invoke-X0ChildPwsh $Child @('-Scenario', $Scenario, '-ModulePath', $ModulePath, '-Packages', $Packages,
            '-Repo', $repo, '-WorkDir', $work, '-ResultPath', $resultPath)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $result = Get-Content -LiteralPath $resultPath -Raw | ConvertFrom-Json
        $result | Add-Member -NotePropertyName Repo -NotePropertyValue $repo
        $result
    }
}

AfterAll {
    # The scenarios copy the whole module; do not leave those copies in temp.
    foreach ($dir in $Created) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'x0tta6bl4 next to other versions of its dependencies' {
    It 'works after another module loaded LibGit2Sharp 0.29.0 and Newtonsoft.Json 12.0.3, and the other copy keeps working' -Skip:($Missing.Count -gt 0) {
        $r = Invoke-Scenario 'OthersFirst'
        $r.Bump.Version | Should -Be '3.2.1'
        $r.Bump.Tag | Should -Be 'v3.2.1'
        Invoke-Git $r.Repo rev-parse HEAD | Should -Be $r.Bump.Commit
        # The old copy read HEAD before the bump and sees the release commit after it.
        $r.OldHeadBefore | Should -Not -Be $r.Bump.Commit
        $r.OldHeadAfter | Should -Be $r.Bump.Commit
        $r.Newtonsoft.Version | Should -Be '12.0.0.0'
        $r.Newtonsoft.Json | Should -Be '{"n":12}'
        # Two LibGit2Sharp copies side by side: theirs in the default context, ours in the module's own.
        $r.LibGit2Sharp | Should -Contain '0.29.0.0@Default'
        @($r.LibGit2Sharp | Where-Object { $_ -like '*@x0tta6bl4' }).Count | Should -Be 1
        $r.LibGit2Sharp | Where-Object { $_ -like '*@x0tta6bl4' } | Should -Not -BeLike '0.29.0.0@*'
        $r.Core | Should -Be @('0.1.0.0@x0tta6bl4')
        @($r.NativePaths).Count | Should -Be 2
    }

    It 'works when x0tta6bl4 comes first and LibGit2Sharp 0.29.0 after it' -Skip:($Missing.Count -gt 0) {
        $r = Invoke-Scenario 'ModuleFirst'
        $r.Bump.Version | Should -Be '3.2.1'
        $r.OldHeadAfter | Should -Be $r.Bump.Commit
        $r.Newtonsoft.Json | Should -Be '{"n":12}'
        $r.SecondBump.Version | Should -Be '3.2.2'
        Invoke-Git $r.Repo rev-parse HEAD | Should -Be $r.SecondBump.Commit
        $r.LibGit2Sharp | Should -Contain '0.29.0.0@Default'
        @($r.LibGit2Sharp | Where-Object { $_ -like '*@x0tta6bl4' }).Count | Should -Be 1
    }
}

Describe 'x0tta6bl4 imported from an unusual place' {
    It 'loads libgit2 from a path with spaces and non-ASCII characters' {
        $r = Invoke-Scenario 'OddPath'
        $r.ModuleBase | Should -BeLike '*x0 мод ü*'
        $r.Bump.Version | Should -Be '3.2.1'
        Invoke-Git $r.Repo cat-file -t v3.2.1 | Should -Be 'tag'
        # The native library really came from the copied module folder.
        $r.NativePaths | Should -HaveCount 1
        @($r.NativePaths)[0] | Should -BeLike "$($r.ModuleBase)*dependencies/runtimes/*/native/*"
    }

    It 'names the runtime and the paths searched when the native library is missing' {
        $r = Invoke-Scenario 'NoRuntimes'
        $r.ErrorId | Should -Be 'X0.NativeLibraryMissing,X0tta6bl4.Commands.StepX0VersionCommand'
        $r.Category | Should -Be 'NotInstalled'
        $r.Message | Should -Match ([regex]::Escape("runtime '$Rid'"))
        $r.Message | Should -Match ([regex]::Escape("$($r.ModuleBase)/dependencies/runtimes/$Rid/native/"))
        $r.RecommendedAction | Should -Match 'Reinstall the module'
        $r.Message | Should -Match 'was not found'
        # Nothing was written.
        Invoke-Git $r.Repo status --porcelain | Should -BeNullOrEmpty
        Invoke-Git $r.Repo tag | Should -BeNullOrEmpty
    }

    It 'says the native library was found but could not be loaded, with the loader''s reason' {
        $r = Invoke-Scenario 'CorruptNative'
        $r.ErrorId | Should -Be 'X0.NativeLibraryMissing,X0tta6bl4.Commands.StepX0VersionCommand'
        $r.Message | Should -Match ([regex]::Escape("runtime '$Rid' was found but could not be loaded ($($r.NativeFile):"))
        $r.Message | Should -Not -Match 'searched: \(nothing\)'
        Invoke-Git $r.Repo status --porcelain | Should -BeNullOrEmpty
    }
}
