#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Publish-X0Release's Images step against a real Docker engine and registry (started once per run).

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DockerTestEnvironment.psm1') -Force
    $script:NoDocker = [bool](Get-X0TestDockerSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DockerTestEnvironment.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    if (-not (Get-X0TestDockerSkipReason)) {
        $script:Env = Start-X0TestDocker
        $script:Base = New-X0TestBaseImage
        $script:SavedHost = $env:DOCKER_HOST
        $script:SavedConfig = $env:DOCKER_CONFIG
        $env:DOCKER_HOST = $Env.DockerHost
        # A release takes registry credentials the way users have them: from a docker config (its own here,
        # so the other suites keep their credential-free one).
        $env:DOCKER_CONFIG = New-X0TempDirectory 'docker-config'
        Invoke-X0TestDocker --config $env:DOCKER_CONFIG login --username $Env.User --password $Env.Password $Env.Registry | Out-Null
    }
}

AfterAll {
    $env:DOCKER_HOST = $script:SavedHost
    $env:DOCKER_CONFIG = $script:SavedConfig
}

Describe 'Publish-X0Release -Image' -Skip:$NoDocker {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'rel-img' -WithRemote
        $script:Image = "$($Env.Registry)/x0/release-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        # The images settings live in the project, as a user would keep them.
        Add-Content -Path (Join-Path $Repo 'pyproject.toml') -Value "`n[tool.x0tta6bl4.images]`nrepository = `"$Image`"`nrelease_targets = [`"prod`"]`nbuild_args = { BASE_IMAGE = `"$Base`" }`n"
        Invoke-Git $Repo commit -qam 'build: release the prod image' | Out-Null
        Push-Location $Repo
    }
    AfterEach { Pop-Location }

    It 'builds, pushes and verifies the prod image before anything else is published, then a re-run is AlreadyDone' {
        $release = Step-X0Version -Minor -Push | Publish-X0Release -SkipTests -Image
        $release.Succeeded | Should -BeTrue
        $step = $release.Steps | Where-Object Name -eq 'Images'
        $step.Status | Should -Be 'Done'
        $release.Images.Tags | Should -Contain 'prod-v3.3.0'
        $digest = Get-X0RegistryDigest $Image 'prod-v3.3.0'
        $digest | Should -Match '^sha256:'
        $release.Images[0].Digest | Should -Be $digest
        # Images go out before the GitHub step, whatever that step does.
        $names = @($release.Steps.Name)
        $names.IndexOf('Images') | Should -BeLessThan $names.IndexOf('GitHub Release')

        $again = Publish-X0Release -SkipTests -Image
        ($again.Steps | Where-Object Name -eq 'Images').Status | Should -Be 'AlreadyDone'
        $again.Images | Should -BeNullOrEmpty
        Get-X0RegistryDigest $Image 'prod-v3.3.0' | Should -Be $digest
    }

    It '-WhatIf reads the registry and plans the build without building or pushing' {
        Step-X0Version -Minor -Push | Out-Null
        $before = @(Invoke-X0TestDocker image ls -q).Count
        $plan = Publish-X0Release -SkipTests -Image -WhatIf
        ($plan.Steps | Where-Object Name -eq 'Images').Status | Should -Be 'Planned'
        ($plan.Steps | Where-Object Name -eq 'Images').Detail | Should -Match 'build and push'
        @(Invoke-X0TestDocker image ls -q).Count | Should -Be $before
        Get-X0RegistryDigest $Image 'prod-v3.3.0' | Should -BeNullOrEmpty
    }

    It 'without -Image or configuration the step is skipped with the reason' {
        Invoke-Git $Repo checkout -q HEAD~1 -- pyproject.toml | Out-Null
        Invoke-Git $Repo commit -qam 'build: no image release' | Out-Null
        $release = Step-X0Version -Minor | Publish-X0Release -SkipTests
        ($release.Steps | Where-Object Name -eq 'Images').Status | Should -Be 'Skipped'
        ($release.Steps | Where-Object Name -eq 'Images').Detail | Should -Match '-Image'
    }
}
