#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# The severity of package checks, with the real python -m build and twine check: what twine passes "with
# warnings" is a warning (Write-Warning and the package's Warnings), an error stops, and -Strict (or
# [tool.x0tta6bl4.packages] strict) makes warnings errors as twine check --strict does. Each refusal names the
# next step of the command that raised it.

BeforeDiscovery {
    $python = '/usr/bin/python3'
    $script:HasBuild = (Test-Path $python) -and ($(& $python -c 'import build, twine, setuptools' 2>$null; $LASTEXITCODE) -eq 0)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:SavedEnv = @{}
    foreach ($name in 'GITHUB_TOKEN', 'GH_TOKEN', 'PYPI_API_TOKEN', 'TWINE_PASSWORD', 'TWINE_REPOSITORY_URL', 'X0_STATE_DIR', 'CI', 'GITHUB_ACTIONS') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:X0_STATE_DIR = New-X0TempDirectory 'validation-state'

    function New-ProjectWithoutReadme([string] $Name, [switch] $WithRemote, [string] $Extra) {
        <# The sample without its readme: it builds, and twine check passes it only "with warnings". #>
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name $Name -WithRemote:$WithRemote
        Copy-Item (Join-Path (Get-X0SamplePath) '.gitignore') $repo
        $pyproject = Join-Path $repo 'pyproject.toml'
        $text = (Get-Content -Raw $pyproject) -replace '(?m)^readme = .*\r?\n', ''
        if ($Extra) { $text += $Extra }
        Set-Content -Path $pyproject -Value $text -NoNewline
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'docs: no readme in the package' | Out-Null
        if ($WithRemote) { Invoke-Git $repo push -q origin main | Out-Null }
        $repo
    }
}

AfterAll {
    foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
}

Describe 'Package checks keep their severity' -Skip:(-not $HasBuild) {
    It 'Build-X0Package: twine''s warnings are warnings, on the object and as Write-Warning' {
        $repo = New-ProjectWithoutReadme 'no-readme'
        $package = Build-X0Package -Path $repo -WarningVariable warn -WarningAction SilentlyContinue -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $package.Files | Should -HaveCount 2
        $package.Warnings | Should -Not -BeNullOrEmpty
        ($package.Warnings -join "`n") | Should -Match 'long_description_content_type. missing'
        ($package.Warnings -join "`n") | Should -Match 'long_description. missing'
        @($warn | Where-Object { "$_" -match 'long_description' }).Count | Should -Be $package.Warnings.Count
        $package.Checks | Should -Contain "twine check passed with $($package.Warnings.Count) warning(s)"
    }

    It 'Build-X0Package -Strict (and packages.strict) makes them errors, with a next step for a build, not an upload' {
        $repo = New-ProjectWithoutReadme 'no-readme-strict'
        Build-X0Package -Path $repo -Strict -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.PackageInvalid,*'
        "$($err[0])" | Should -Match 'without warnings'
        "$($err[0])" | Should -Match 'build again'
        "$($err[0])" | Should -Not -Match 'uploaded'

        $configured = New-ProjectWithoutReadme 'no-readme-config' -Extra "`n[tool.x0tta6bl4.packages]`nstrict = true`n"
        Build-X0Package -Path $configured -ErrorVariable cfgErr -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $cfgErr[0].FullyQualifiedErrorId | Should -BeLike 'X0.PackageInvalid,*'
        Build-X0Package -Path $configured -Strict:$false -WarningAction SilentlyContinue | Should -Not -BeNullOrEmpty
    }

    It 'a release keeps going on warnings and stops under -StrictPackageCheck before anything is uploaded' {
        $repo = New-ProjectWithoutReadme 'no-readme-release' -WithRemote
        Step-X0Version -Path $repo -Minor -Push | Out-Null
        $strict = Publish-X0Release -Path $repo -SkipTests -Package Python -StrictPackageCheck -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        ($strict.Steps | Where-Object Name -eq 'Packages').Status | Should -Be 'Failed'
        "$($err[0])" | Should -Match 'nothing was uploaded'

        $release = Publish-X0Release -Path $repo -SkipTests -Package Python -WarningVariable warn -WarningAction SilentlyContinue
        ($release.Steps | Where-Object Name -eq 'Packages').Status | Should -Be 'Done'
        $release.Packages[0].Warnings | Should -Not -BeNullOrEmpty
        "$warn" | Should -Match 'long_description'
        $release.Succeeded | Should -BeTrue
    }
}
