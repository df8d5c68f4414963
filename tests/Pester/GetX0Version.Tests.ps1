#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Get-X0Version: the version, where it is read from and why, the last release and what -Auto would do.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath
}

Describe 'Get-X0Version' {
    It 'reports the files with their reasons, the last release tag and the next version -Auto then makes' {
        $repo = New-X0GitRepository -From $Sample -Name 'getversion'
        Invoke-Git $repo tag -a v3.2.0 -m v3.2.0 | Out-Null
        Set-Content -LiteralPath (Join-Path $repo 'src/mape_k/extra.py') -Value 'X = 1'
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'fix(core): a bug' | Out-Null
        $before = Get-X0TreeSnapshot $repo

        $v = Get-X0Version -Path $repo
        $v | Should -BeOfType 'X0tta6bl4.Models.X0VersionInfo'
        $v.Version | Should -Be '3.2.0'
        @($v.Sources.Path) | Should -Be @('pyproject.toml', 'src/mape_k/__init__.py')
        $v.Sources[0].Reason | Should -BeLike '*PEP 621*'
        $v.Sources[1].Anchor | Should -Be '__version__'
        $v.LastReleaseTag | Should -Be 'v3.2.0'
        $v.NextVersion | Should -Be '3.2.1'
        $v.NextTag | Should -Be 'v3.2.1'
        $v.Level | Should -Be 'Patch'
        (Get-X0TreeSnapshot $repo) | Should -Be $before
        ($v | Out-String) | Should -BeLike '*pyproject.toml*PEP 621*'

        # The same answer Step-X0Version -Auto then acts on.
        (Step-X0Version -Auto -Path $repo -Confirm:$false).Version | Should -Be $v.NextVersion
    }

    It 'says when the files already hold the next version, and Step-X0Version -Auto tags it without a second bump' {
        $repo = New-X0GitRepository -From $Sample -Name 'already'
        Invoke-Git $repo tag -a v3.2.0 -m v3.2.0 | Out-Null
        foreach ($f in 'pyproject.toml', 'src/mape_k/__init__.py') {
            $p = Join-Path $repo $f
            [IO.File]::WriteAllText($p, [IO.File]::ReadAllText($p).Replace('3.2.0', '3.3.0'))
        }
        Invoke-Git $repo commit -q -am 'feat: the release job bumped, then died before tagging' | Out-Null
        $head = Invoke-Git $repo rev-parse HEAD

        $v = Get-X0Version -Path $repo
        $v.NextVersion | Should -Be '3.3.0'
        $v.AlreadyBumped | Should -BeTrue
        $v.Reason | Should -BeLike '*bumped, not tagged*'

        $r = Step-X0Version -Auto -Path $repo -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $r.Status | Should -Be 'Tagged'
        $r.Version | Should -Be '3.3.0'
        "$warned" | Should -BeLike '*No second bump*'
        # The release commit carries only the changelog section: the version files were already bumped.
        Invoke-Git $repo rev-list -n 1 'v3.3.0~1' | Should -Be $head
        Invoke-Git $repo show --name-only --format= 'v3.3.0^{commit}' | Should -Be 'CHANGELOG.md'
        Invoke-Git $repo show 'v3.3.0:pyproject.toml' | Should -Contain 'version = "3.3.0"' 
    }

    It 'reports a tag-derived version with no file, on a detached HEAD' {
        $repo = New-X0GitRepository -Name 'scm'
        Set-Content -LiteralPath (Join-Path $repo 'pyproject.toml') -Value "[build-system]`nrequires = [`"setuptools>=64`", `"setuptools_scm>=8`"]`nbuild-backend = `"setuptools.build_meta`"`n`n[project]`nname = `"scm`"`ndynamic = [`"version`"]`n`n[tool.setuptools_scm]"
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'feat: packaging' | Out-Null
        Invoke-Git $repo tag -a v0.4.0 -m v0.4.0 | Out-Null
        Invoke-Git $repo commit -q --allow-empty -m 'feat: more' | Out-Null
        Invoke-Git $repo checkout -q --detach | Out-Null

        $v = $repo | Get-Item | Get-X0Version
        $v.Sources | Should -BeNullOrEmpty
        $v.TagSource | Should -BeLike '*setuptools_scm*'
        $v.Version | Should -Be '0.4.0'
        $v.NextVersion | Should -Be '0.4.1'   # a feature in 0.x raises the patch
    }

    It 'has help with examples' {
        (Get-Help Get-X0Version -Examples).Examples.Example.Count | Should -BeGreaterThan 2
    }
}

Describe 'Step-X0Version with a bump2version configuration' {
    It 'bumps a configured part with -Part, as bumpversion would, and Get-X0Version reads its current_version' {
        $repo = New-X0GitRepository -Name 'b2v-part'
        $cfg = "[bumpversion]`ncurrent_version = 2.3.1-dev1`ncommit = True`ntag = True`nparse = (?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(\-(?P<release>[a-z]+)(?P<build>\d+))?`n" +
            "serialize = `n`t{major}.{minor}.{patch}-{release}{build}`n`t{major}.{minor}.{patch}`n`n[bumpversion:part:release]`noptional_value = ga`nvalues = `n`tdev`n`trc`n`tga`n`n" +
            "[bumpversion:part:build]`nfirst_value = 1`n`n[bumpversion:file:VERSION]`n"
        [IO.File]::WriteAllText((Join-Path $repo '.bumpversion.cfg'), $cfg)
        [IO.File]::WriteAllText((Join-Path $repo 'VERSION'), "2.3.1-dev1`n")
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'build: bumpversion' | Out-Null

        (Get-X0Version -Path $repo).Sources[0].Written | Should -Be '2.3.1-dev1'
        $r = Step-X0Version -Part release -Path $repo -Confirm:$false
        $r.Version | Should -Be '2.3.1-rc1'
        $r.Tag | Should -Be 'v2.3.1-rc1'
        [IO.File]::ReadAllText((Join-Path $repo 'VERSION')) | Should -Be "2.3.1-rc1`n"
        (Step-X0Version -Part release -Path $repo -Confirm:$false).Version | Should -Be '2.3.1'
        Invoke-Git $repo log -1 --format=%s | Should -Be 'Bump version: 2.3.1-rc1 → 2.3.1'
    }
}
