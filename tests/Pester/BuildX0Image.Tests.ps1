#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Build-X0Image against a real Docker engine and registry (started once per run), in this child
# pwsh, through the staged module.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DockerTestEnvironment.psm1') -Force
    $script:SkipReason = Get-X0TestDockerSkipReason
    $script:NoDocker = [bool]$script:SkipReason
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
        $env:DOCKER_CONFIG = $Env.DockerConfig
        $script:Cred = [pscredential]::new($Env.User, (ConvertTo-SecureString $Env.Password -AsPlainText -Force))
    }
    function New-Repo([string] $Name) { "$($Env.Registry)/x0/$Name-$([guid]::NewGuid().ToString('N').Substring(0, 6))" }
}

AfterAll {
    $env:DOCKER_HOST = $script:SavedHost
    $env:DOCKER_CONFIG = $script:SavedConfig
}

Describe 'Build-X0Image on the sample project' -Skip:$NoDocker {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'img' -WithRemote
        Push-Location $script:Repo
    }
    AfterEach { Pop-Location }

    It 'Step-X0Version | Build-X0Image builds dev and prod with version tags and OCI labels' {
        $repository = New-Repo 'sample'
        $dev = Step-X0Version -Minor | Build-X0Image -Target dev -Repository $repository -BuildArg @{ BASE_IMAGE = $Base } -Label @{ 'com.example.team' = 'sre' }
        $dev | Should -BeOfType ([X0tta6bl4.Models.X0Image])
        $sha = (Invoke-Git $Repo rev-parse HEAD).Substring(0, 7)
        $dev.Tags | Should -Be @('3.3.0', 'v3.3.0', '3.3', '3', 'latest', "sha-$sha")
        $dev.Target | Should -Be 'dev'
        $dev.Pushed | Should -BeFalse
        $dev.Labels['org.opencontainers.image.version'] | Should -Be '3.3.0'
        $dev.Labels['org.opencontainers.image.title'] | Should -Be 'x0tta6bl4'
        $dev.Labels['org.opencontainers.image.revision'] | Should -Be (Invoke-Git $Repo rev-parse HEAD)
        $dev.Labels['org.opencontainers.image.licenses'] | Should -Be 'MIT'
        $dev.Labels['com.example.team'] | Should -Be 'sre'
        (Invoke-X0TestDocker image inspect --format '{{index .Config.Labels "com.example.team"}}' "${repository}:v3.3.0") | Should -Be 'sre'

        $prod = Build-X0Image -Version 3.3.0 -Target prod -Repository $repository -BuildArg @{ BASE_IMAGE = $Base }
        $prod.Tags | Should -Be @('prod-v3.3.0', "prod-sha-$sha")
        $prod.Id | Should -Not -Be $dev.Id
        # The prod stage has the package but not the tests.
        $listing = Invoke-X0TestDocker run --rm --network none "${repository}:prod-v3.3.0" /bin/find /app
        $listing | Should -Contain '/app/src/mape_k/__init__.py'
        $listing | Should -Not -Contain '/app/tests'
    }

    It '-WhatIf checks everything, prints the plan and builds and pushes nothing' {
        $repository = New-Repo 'whatif'
        $before = @(Invoke-X0TestDocker image ls -q).Count
        $output = Build-X0Image -Target dev -Repository $repository -BuildArg @{ BASE_IMAGE = $Base } -Push -Credential $Cred -WhatIf 6>&1 | Out-String
        @(Invoke-X0TestDocker image ls -q).Count | Should -Be $before
        Get-X0RegistryDigest $repository 'edge' | Should -BeNullOrEmpty
    }

    It 'pushes with credentials, verifies every tag and promotes by digest through the pipeline' {
        $repository = New-Repo 'push'
        $image = Build-X0Image -Target prod -Repository $repository -BuildArg @{ BASE_IMAGE = $Base } -Tag candidate, 'build-1' -Push -Credential $Cred
        $image.Pushed | Should -BeTrue
        $image.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        Get-X0RegistryDigest $repository 'candidate' | Should -Be $image.Digest
        Get-X0RegistryDigest $repository 'build-1' | Should -Be $image.Digest

        $promoted = $image | Build-X0Image -Promote -Tag stable, candidate -Credential $Cred
        $promoted.Digest | Should -Be $image.Digest
        $promoted.Tags | Should -Be @('stable', 'candidate')
        Get-X0RegistryDigest $repository 'stable' | Should -Be $image.Digest
    }

    It 'a wrong password fails naming the registry, and the password appears in no stream and no error' {
        $canary = 'canary-Wr0ng-pass-8472'
        $bad = [pscredential]::new($Env.User, (ConvertTo-SecureString $canary -AsPlainText -Force))
        $repository = New-Repo 'auth'
        $all = Build-X0Image -Target dev -Repository $repository -BuildArg @{ BASE_IMAGE = $Base } -Push -Credential $bad -Verbose -Debug -ErrorAction SilentlyContinue -ErrorVariable err *>&1 | Out-String
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.RegistryAuthenticationFailed,*'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].Exception.Message | Should -Match ([regex]::Escape($Env.Registry))
        $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$($Env.User):$canary"))
        foreach ($text in $all, ($err | Out-String), ($Error | Out-String), ($err[0].ErrorDetails | Out-String)) {
            $text | Should -Not -Match $canary
            $text | Should -Not -Match ([regex]::Escape($basic))
        }
    }

    It 'in a pull request on GitHub Actions it builds pr-N, does not push, and writes the step outputs' {
        $outputs = Join-Path $TestDrive 'out.txt'; $summary = Join-Path $TestDrive 'summary.md'; $event = Join-Path $TestDrive 'event.json'
        '{"pull_request":{"number":17},"repository":{"default_branch":"main"}}' | Set-Content $event
        $saved = @{}
        $vars = @{ GITHUB_ACTIONS = 'true'; GITHUB_REF = 'refs/pull/17/merge'; GITHUB_EVENT_NAME = 'pull_request'; GITHUB_EVENT_PATH = $event
            GITHUB_SHA = 'abcdef0123456789abcdef0123456789abcdef01'; GITHUB_REPOSITORY = 'X0tta6bl4/Sample'; GITHUB_OUTPUT = $outputs; GITHUB_STEP_SUMMARY = $summary }
        foreach ($k in $vars.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $vars[$k]) }
        try {
            $image = Build-X0Image -Target dev -Repository (New-Repo 'pr') -BuildArg @{ BASE_IMAGE = $Base } -Push -Credential $Cred -WarningVariable warnings 3>$null
        } finally {
            foreach ($k in $vars.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
        $image.Tags | Should -Be @('pr-17', 'sha-abcdef0')
        $image.Pushed | Should -BeFalse
        ($warnings -join ' ') | Should -Match 'pull request #17'
        $text = Get-Content -Raw $outputs
        $text | Should -Match 'image-tags<<'
        $text | Should -Match ([regex]::Escape("$($image.Repository):pr-17"))
        Get-Content -Raw $summary | Should -Match 'Build-X0Image'
    }

    It 'a daemon that is not running is a clear error' {
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = "unix://$TestDrive/nothing-here.sock"
        try {
            { Build-X0Image -Target dev -Repository (New-Repo 'down') -BuildArg @{ BASE_IMAGE = $Base } -ErrorAction Stop } |
                Should -Throw -ErrorId 'X0.DockerUnavailable,X0tta6bl4.Commands.BuildX0ImageCommand'
            $Error[0].Exception.Message | Should -Match 'no daemon running there'
            $Error[0].Exception.Message | Should -Match 'nothing-here.sock'
        } finally {
            $env:DOCKER_HOST = $saved
        }
    }
}

Describe 'Build-X0Image help and metadata' {
    It 'has help with examples and documents every parameter' {
        $help = Get-Help Build-X0Image -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        (Get-Command Build-X0Image).OutputType.Name | Should -Contain 'X0tta6bl4.Models.X0Image'
    }
}
