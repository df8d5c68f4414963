#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Publish-X0Release's package steps through the staged module, on copies of the sample project and of
# this module, against the PyPI and NuGet v3 stand-ins (tests/StandIns). The stand-in is kept honest
# by the real twine (upload), pip (download), PSResourceGet (Save-PSResource) and dotnet nuget push.

BeforeDiscovery {
    # Debian's python3-build, twine and python3-pip (.ci/run installs them); CI turns a skip into a failure.
    $python = '/usr/bin/python3'
    $HasBuild = (Test-Path $python) -and ($(& $python -c 'import build, twine' 2>$null; $LASTEXITCODE) -eq 0) -and [bool](Get-Command twine -ErrorAction SilentlyContinue)
    $HasPip = $HasBuild -and ($(& $python -m pip --version *>$null; $LASTEXITCODE) -eq 0)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../StandIns/StandIns.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath
    $script:Python = '/usr/bin/python3'
    $script:Py = Start-X0PackageStandIn pypi
    $script:Nu = Start-X0PackageStandIn nuget

    $script:EnvNames = 'PYPI_API_TOKEN', 'TWINE_USERNAME', 'TWINE_PASSWORD', 'TWINE_REPOSITORY_URL', 'NUGET_API_KEY', 'PSGALLERY_API_KEY',
        'X0_STATE_DIR', 'GITHUB_ACTIONS', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_TOKEN', 'GH_TOKEN'
    $script:SavedEnv = @{}
    foreach ($n in $EnvNames) { $SavedEnv[$n] = [Environment]::GetEnvironmentVariable($n); [Environment]::SetEnvironmentVariable($n, $null) }
    $script:StateDir = New-X0TempDirectory 'packages-state'
    $env:X0_STATE_DIR = $StateDir

    function New-Random([int] $Count = 24) { -join ((65..90) + (97..122) + (48..57) | Get-Random -Count $Count | ForEach-Object { [char]$_ }) }
    $script:Token = 'pypi-CANARY' + (New-Random)

    function New-SampleRepo([string] $Name = 'pkg', [string] $ReadmeLine) {
        $repo = New-X0GitRepository -From $Sample -Name $Name
        Copy-Item (Join-Path $Sample '.gitignore') $repo
        if ($ReadmeLine) { Add-Content -Path (Join-Path $repo 'README.md') -Value $ReadmeLine }
        Add-Content -Path (Join-Path $repo 'src/mape_k/changes.txt') -Value 'spikes'
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'feat(analyzer): detect spikes' | Out-Null
        $repo
    }

    function Reset-PyPI {
        Invoke-X0PackageStandIn $Py POST /reset | Out-Null
        Invoke-X0PackageStandIn $Py DELETE /faults | Out-Null
        Invoke-X0PackageStandIn $Py POST /tokens @{ token = $Token } | Out-Null
    }

    function Get-Step($Release, [string] $Name) { $Release.Steps | Where-Object Name -eq $Name }

    $script:Stage = Split-Path -Parent (Get-X0ModulePath)
    $script:ModuleVersion = (Import-PowerShellDataFile (Get-X0ModulePath)).ModuleVersion
    function New-ModuleRepo {
        # A repository holding the module's source manifest, with the built module staged under out/ (ignored), tagged.
        $repo = New-X0TempDirectory 'module-repo'
        Copy-Item (Join-Path (Get-X0RepositoryRoot) 'x0tta6bl4.psd1') $repo
        Set-Content -Path (Join-Path $repo '.gitignore') -Value 'out/'
        $staged = Join-Path $repo "out/x0tta6bl4/$ModuleVersion"
        New-Item -ItemType Directory -Force -Path $staged | Out-Null
        Copy-Item -Path (Join-Path $Stage '*') -Destination $staged -Recurse
        Invoke-Git $repo init -q -b main | Out-Null
        Invoke-Git $repo config user.name 'X0 Pester' | Out-Null
        Invoke-Git $repo config user.email 'pester@example.com' | Out-Null
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'feat: the module' | Out-Null
        Invoke-Git $repo tag -a "v$ModuleVersion" -m "Release v$ModuleVersion" | Out-Null
        $repo
    }
}

AfterAll {
    foreach ($n in $EnvNames) { [Environment]::SetEnvironmentVariable($n, $SavedEnv[$n]) }
}

Describe 'The PyPI stand-in stays honest' -Skip:(-not $HasBuild) {
    BeforeAll {
        Reset-PyPI
        $script:TwineDist = New-X0TempDirectory 'twine-dist'
        $src = New-X0TempDirectory 'twine-src'
        Copy-Item -Path (Join-Path $Sample '*') -Destination $src -Recurse
        & $Python -m build --no-isolation --outdir $TwineDist $src *>&1 | Out-Null
    }

    It 'the real twine uploads to it, and an identical re-upload is accepted as warehouse does' {
        $env:NO_COLOR = '1'
        $out = & twine upload --disable-progress-bar --non-interactive --repository-url $Py.UploadUrl -u __token__ -p $Token (Get-ChildItem $TwineDist).FullName 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out | Out-String)
        $files = Invoke-X0PackageStandIn $Py GET /files
        @($files).Count | Should -Be 2
        $uploads = @(Invoke-X0PackageStandIn $Py GET /uploads)
        $script:TwineUploads = $uploads
        $script:TwineFields = @($uploads[0].fields)
        $TwineFields | Should -Contain 'sha256_digest'
        $TwineFields | Should -Contain ':action'
        & twine upload --disable-progress-bar --non-interactive --repository-url $Py.UploadUrl -u __token__ -p $Token (Get-ChildItem $TwineDist).FullName 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'twine hears warehouse''s refusals: a wrong token is 403, other bytes under a used name are 400 File already exists' {
        $out = & twine upload --disable-progress-bar --non-interactive --repository-url $Py.UploadUrl -u __token__ -p 'pypi-wrong' (Get-ChildItem $TwineDist -Filter *.whl).FullName 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $out | Should -Match '403'
        $other = Join-Path (New-X0TempDirectory 'other') (Get-ChildItem $TwineDist -Filter *.tar.gz).Name
        $tar = (Get-ChildItem $TwineDist -Filter *.tar.gz).FullName
        # Same name, other bytes: a recompressed copy of the sdist.
        & gzip -dc $tar | & gzip -9n > $other
        $out = & twine upload --disable-progress-bar --non-interactive --repository-url $Py.UploadUrl -u __token__ -p $Token $other 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $out | Should -Match 'File already exists'
    }
}

Describe 'Step-X0Version -Minor | Publish-X0Release publishes the sample project to PyPI' -Skip:(-not $HasBuild) {
    BeforeAll {
        Reset-PyPI
        $env:PYPI_API_TOKEN = $Token
        $script:Repo = New-SampleRepo
        Push-Location $Repo
        try {
            $script:First = Step-X0Version -Minor | Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorVariable firstErrors
            $script:FirstErrors = $firstErrors
        } finally { Pop-Location }
    }
    AfterAll { $env:PYPI_API_TOKEN = $null }

    It 'builds wheel + sdist from the tag, checks them and uploads both' {
        $FirstErrors | Should -BeNullOrEmpty
        $First.Succeeded | Should -BeTrue -Because (($First.Steps | Out-String))
        $First.Version | Should -Be '3.3.0'
        (Get-Step $First 'Packages').Status | Should -Be 'Done'
        (Get-Step $First 'Packages').Detail | Should -Match 'twine check passed'
        (Get-Step $First 'PyPI').Status | Should -Be 'Done'
        (Get-Step $First 'PyPI').Detail | Should -Match 'sha256 verified'
        $package = $First.Packages | Where-Object Ecosystem -eq 'Python'
        $package.Name | Should -Be 'x0tta6bl4'
        $package.Version | Should -Be '3.3.0'
        @($package.Files.Kind | Sort-Object) | Should -Be @('sdist', 'wheel')
        $served = @(Invoke-X0PackageStandIn $Py GET /files)
        foreach ($file in $package.Files) {
            ($served | Where-Object filename -eq $file.Name).sha256 | Should -Be $file.Sha256
            (Get-FileHash -Algorithm SHA256 $file.Path).Hash.ToLowerInvariant() | Should -Be $file.Sha256
        }
        # The package files are release assets too, listed in SHA256SUMS.
        $First.Assets.Name | Should -Contain 'x0tta6bl4-3.3.0.tar.gz'
        $First.Assets.Name | Should -Contain 'x0tta6bl4-3.3.0-py3-none-any.whl'
        # Built from an export of the commit: nothing written into the project's tree.
        Test-Path (Join-Path $Repo 'build') | Should -BeFalse
        @(Get-ChildItem (Join-Path $Repo 'src') -Filter '*.egg-info' -Directory).Count | Should -Be 0
    }

    It 'sends every field the real twine sends (but the BLAKE2 digest .NET cannot compute)' {
        $ours = @(Invoke-X0PackageStandIn $Py GET /uploads)
        $ours[0].userAgent | Should -Match '^x0tta6bl4/'
        if (-not $script:TwineUploads) { Set-ItResult -Skipped -Because 'the twine test did not run'; return }
        foreach ($kind in '\.whl$', '\.tar\.gz$') {
            $twine = $TwineUploads | Where-Object filename -match $kind | Select-Object -First 1
            $mine = $ours | Where-Object filename -match $kind | Select-Object -First 1
            foreach ($field in $twine.fields | Where-Object { $_ -ne 'blake2_256_digest' }) {
                $mine.fields | Should -Contain $field -Because "twine sends $field for $($twine.filename)"
            }
        }
    }

    It 'pip downloads the new version from the stand-in''s simple index' -Skip:(-not $HasPip) {
        $dl = New-X0TempDirectory 'pip-dl'
        $out = & $Python -m pip download --no-deps --no-cache-dir --index-url $Py.SimpleUrl -d $dl 'x0tta6bl4==3.3.0' 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $out
        (Get-ChildItem $dl).Name | Should -Contain 'x0tta6bl4-3.3.0-py3-none-any.whl'
    }

    It '-WhatIf after the upload reads the index and plans, without building or uploading' {
        Push-Location $Repo
        try {
            Remove-Item (Join-Path $Repo 'out/releases/v3.3.0/packages') -Recurse -Force
            $before = (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests
            $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -WhatIf
        } finally { Pop-Location }
        $r.Succeeded | Should -BeTrue -Because ($r.Steps | Out-String)
        (Get-Step $r 'PyPI').Status | Should -Be 'Planned'
        (Get-Step $r 'PyPI').Detail | Should -Match 'already has 2 file\(s\) for x0tta6bl4 3\.3\.0'
        Test-Path (Join-Path $Repo 'out/releases/v3.3.0/packages') | Should -BeFalse
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be $before
    }

    It 'a re-run without the built files (a fresh CI job) rebuilds the very same bytes, is AlreadyDone on PyPI and uploads nothing' {
        Push-Location $Repo
        try { $Second = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl } finally { Pop-Location }
        $Second.Succeeded | Should -BeTrue
        # The -WhatIf test removed the built files: they are rebuilt from the tag, byte for byte the same
        # (SOURCE_DATE_EPOCH and a normalized sdist), so PyPI and the release assets still match.
        (Get-Step $Second 'Packages').Status | Should -Be 'Done'
        @($Second.Packages.Files.Sha256) | Should -Be @($First.Packages.Files.Sha256)
        (Get-Step $Second 'PyPI').Status | Should -Be 'AlreadyDone'
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be 2
        $again = Publish-X0Release -Path $Repo -SkipTests -PyPIRepository $Py.UploadUrl
        @($again.Steps | Where-Object Status -notin 'AlreadyDone', 'Skipped').Name | Should -BeNullOrEmpty
    }

    It 'changed bytes under the same file names: X0.PackageFileReused, nothing uploaded or retried' {
        $other = New-SampleRepo -Name 'changed' -ReadmeLine 'A different README, same version.'
        $before = (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests
        Push-Location $other
        try {
            $r = Step-X0Version -Minor | Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        } finally { Pop-Location }
        $r.Succeeded | Should -BeFalse
        (Get-Step $r 'PyPI').Status | Should -Be 'Failed'
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageFileReused'
        (Get-Step $r 'GitHub Release').Status | Should -Be 'Skipped'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.PackageFileReused,*'
        "$($err[0])" | Should -Match 'filename already used with different content'
        "$($err[0])" | Should -Match 'release a new version'
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be $before
    }

    It '-WhatIf builds nothing, uploads nothing and says what it would do' {
        $repo = New-SampleRepo -Name 'whatif'
        Push-Location $repo
        try {
            Step-X0Version -Patch | Out-Null
            $snapshot = Get-X0TreeSnapshot $repo
            $before = (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests
            $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -WhatIf
        } finally { Pop-Location }
        (Get-Step $r 'Packages').Status | Should -Be 'Planned'
        (Get-Step $r 'PyPI').Status | Should -Be 'Planned'
        (Get-Step $r 'PyPI').Detail | Should -Match 'upload the sdist and wheel of x0tta6bl4 3\.2\.1'
        Get-X0TreeSnapshot $repo | Should -Be $snapshot
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be $before
    }
}

Describe 'PyPI refusals and races' -Skip:(-not $HasBuild) {
    BeforeEach {
        Reset-PyPI
        $script:Repo = New-SampleRepo -Name 'refusal'
        Push-Location $Repo
        Step-X0Version -Minor | Out-Null
    }
    AfterEach {
        Pop-Location
        $env:PYPI_API_TOKEN = $null
    }

    It 'no credentials for an index that was asked for (-PyPIRepository) is an error before any upload, and the GitHub release is not made' {
        Remove-Item Env:TWINE_PASSWORD, Env:TWINE_USERNAME, Env:ACTIONS_ID_TOKEN_REQUEST_URL -ErrorAction SilentlyContinue
        $before = (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        $r.Succeeded | Should -BeFalse
        (Get-Step $r 'PyPI').Status | Should -Be 'Failed'
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageCredentialMissing'
        (Get-Step $r 'GitHub Release').Status | Should -Be 'Skipped'
        "$($err[0].ErrorDetails.RecommendedAction)" | Should -Match 'PYPI_API_TOKEN'
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be $before
    }

    It 'no credentials and no index asked for: the PyPI step is skipped with a warning, without a network call' {
        Remove-Item Env:TWINE_PASSWORD, Env:TWINE_USERNAME, Env:TWINE_REPOSITORY_URL, Env:ACTIONS_ID_TOKEN_REQUEST_URL -ErrorAction SilentlyContinue
        $r = Publish-X0Release -SkipTests -WarningVariable warned -WarningAction SilentlyContinue
        $r.Succeeded | Should -BeTrue -Because (($r.Steps | Out-String))
        (Get-Step $r 'PyPI').Status | Should -Be 'Skipped'
        (Get-Step $r 'PyPI').Detail | Should -Match 'no PyPI token'
        "$warned" | Should -Match 'No PyPI credentials'
    }

    It 'a refused token is a clear 403 error naming where the token came from, never the token' {
        $wrong = 'pypi-WRONG' + (New-Random)
        $env:PYPI_API_TOKEN = $wrong
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageIndexAuthenticationFailed'
        $text = "$($err[0]) $($err[0].ErrorDetails.RecommendedAction)"
        $text | Should -Match 'HTTP 403'
        $text | Should -Match 'PYPI_API_TOKEN'
        $text | Should -Match '__token__'
        $text | Should -Not -Match $wrong
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'a token scoped to another project says so' {
        $scoped = 'pypi-SCOPED' + (New-Random)
        Invoke-X0PackageStandIn $Py POST /tokens @{ token = $scoped; projects = @('another-project') } | Out-Null
        $env:PYPI_API_TOKEN = $scoped
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageIndexAuthenticationFailed'
        "$($err[0])" | Should -Match 'not scoped to this project'
        "$($err[0].ErrorDetails.RecommendedAction)" | Should -Match "scoped to 'x0tta6bl4'"
    }

    It 'a name that belongs to another account''s project is a name conflict with the way out, not a token problem' {
        $env:PYPI_API_TOKEN = $Token
        Invoke-X0PackageStandIn $Py POST /faults @{ method = 'POST'; path = '^/legacy/'; status = 403; times = -1
            reason = "The user 'someone' isn't allowed to upload to project 'x0tta6bl4'. See https://pypi.org/help/#project-name for more information." } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageNameConflict'
        "$($err[0])" | Should -Match "isn't allowed to upload to project 'x0tta6bl4'"
        "$($err[0].ErrorDetails.RecommendedAction)" | Should -Match 'choose another distribution name'
        (Get-Step $r 'GitHub Release').Status | Should -Be 'Skipped'
    }

    It 'a new name the index refuses as too similar says to pick another' {
        $env:PYPI_API_TOKEN = $Token
        Invoke-X0PackageStandIn $Py POST /faults @{ method = 'POST'; path = '^/legacy/'; status = 400; times = -1
            reason = "The name 'x0tta6bl4' is too similar to an existing project. See https://pypi.org/help/#project-name for more information." } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageNameConflict'
        "$($err[0].ErrorDetails.RecommendedAction)" | Should -Match '\[project\] name'
    }

    It 'an expired token says so' {
        $expired = 'pypi-EXPIRED' + (New-Random)
        Invoke-X0PackageStandIn $Py POST /tokens @{ token = $expired; expired = $true } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -PyPIToken (ConvertTo-SecureString $expired -AsPlainText -Force) -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageIndexAuthenticationFailed'
        "$($err[0])" | Should -Match 'expired'
        "$($err[0]) $($err[0].ErrorDetails.RecommendedAction)" | Should -Match 'new API token'
        "$($err[0])" | Should -Not -Match $expired
    }

    It 'a 400 File already exists for a file that did land is re-checked by sha256 and counts as done' {
        $env:PYPI_API_TOKEN = $Token
        Invoke-X0PackageStandIn $Py POST /faults @{ method = 'POST'; path = '^/legacy/'; status = 400; apply = $true; times = 1
            reason = "File already exists ('x0tta6bl4-3.3.0.tar.gz', with blake2_256 hash 'abc'). See https://pypi.org/help/#file-name-reuse for more information." } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -WarningAction SilentlyContinue
        $r.Succeeded | Should -BeTrue -Because ($r.Steps | Out-String)
        (Get-Step $r 'PyPI').Detail | Should -Match 'already there with the same sha256'
        @(Invoke-X0PackageStandIn $Py GET /files).Count | Should -Be 2
    }

    It 'a 502 after the upload landed is re-checked, not blindly repeated' {
        $env:PYPI_API_TOKEN = $Token
        Invoke-X0PackageStandIn $Py POST /faults @{ method = 'POST'; path = '^/legacy/'; status = 502; apply = $true; times = 1 } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -WarningAction SilentlyContinue
        $r.Succeeded | Should -BeTrue
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be 2 -Because 'the landed file is recognised, only the other one is uploaded'
    }

    It 'metadata PyPI would refuse stops the release before any upload (preflight terms)' {
        $env:PYPI_API_TOKEN = $Token
        $pyproject = Join-Path $Repo 'pyproject.toml'
        (Get-Content -Raw $pyproject).Replace('readme = "README.md"', 'readme = "README.markdown.txt2"') | Set-Content -NoNewline $pyproject
        Invoke-Git $Repo commit -q -am 'fix: readme' | Out-Null
        Step-X0Version -Patch | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'Packages').ErrorId | Should -Be 'X0.PackageInvalid'
        "$($err[0])" | Should -Match 'Expected pyproject.toml \[project\] metadata that PyPI accepts, but found readme'
        (Get-Step $r 'PyPI').Status | Should -Be 'Skipped'
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be 0
    }
}

Describe 'Trusted publishing from GitHub Actions' -Skip:(-not $HasBuild) {
    BeforeEach {
        Reset-PyPI
        $script:RequestToken = 'actions-request-' + (New-Random)
        $env:GITHUB_ACTIONS = 'true'
        $env:GITHUB_OUTPUT = Join-Path (New-X0TempDirectory 'gh-out') 'output.txt'
        $env:GITHUB_STEP_SUMMARY = Join-Path (New-X0TempDirectory 'gh-sum') 'summary.md'
        $env:ACTIONS_ID_TOKEN_REQUEST_URL = $Py.OidcRequestUrl
        $env:ACTIONS_ID_TOKEN_REQUEST_TOKEN = $RequestToken
        Invoke-X0PackageStandIn $Py POST /oidc @{ requestToken = $RequestToken; claims = @{
            repository = 'x0tta6bl4/x0tta6bl4'; repository_owner = 'x0tta6bl4'; environment = 'pypi'; ref = 'refs/tags/v3.3.0'
            job_workflow_ref = 'x0tta6bl4/x0tta6bl4/.github/workflows/release.yml@refs/tags/v3.3.0'
            sub = 'repo:x0tta6bl4/x0tta6bl4:environment:pypi' } } | Out-Null
        $script:Repo = New-SampleRepo -Name 'trusted'
        Push-Location $Repo
        Step-X0Version -Minor | Out-Null
    }
    AfterEach {
        Pop-Location
        foreach ($n in 'GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN') { [Environment]::SetEnvironmentVariable($n, $null) }
    }

    It 'exchanges the job''s OIDC token at mint-token and uploads with the short-lived token' {
        Invoke-X0PackageStandIn $Py POST /publishers @{ project = 'x0tta6bl4'; repository = 'x0tta6bl4/x0tta6bl4'; workflow = 'release.yml'; environment = 'pypi' } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl 6>$null
        $r.Succeeded | Should -BeTrue -Because ($r.Steps | Out-String)
        (Get-Step $r 'PyPI').Detail | Should -Match 'trusted publishing \(x0tta6bl4/x0tta6bl4, release\.yml\)'
        @((Invoke-X0PackageStandIn $Py GET /uploads).tokenOrigin | Select-Object -Unique) | Should -Be @('trusted-publishing')
        (Invoke-X0PackageStandIn $Py GET /stats).mintRequests | Should -Be 1
        Get-Content -Raw $env:GITHUB_OUTPUT | Should -Match 'version=3.3.0'
    }

    It 'invalid-publisher prints the claims to register, and uploads nothing' {
        Invoke-X0PackageStandIn $Py POST /publishers @{ project = 'x0tta6bl4'; repository = 'x0tta6bl4/x0tta6bl4'; workflow = 'publish.yml' } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err 6>$null
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.TrustedPublisherNotRegistered'
        $text = "$($err[0]) $($err[0].ErrorDetails.RecommendedAction)"
        $text | Should -Match 'invalid-publisher'
        $text | Should -Match 'repository x0tta6bl4/x0tta6bl4'
        $text | Should -Match 'workflow release\.yml'
        $text | Should -Match 'environment pypi'
        $text | Should -Match 'ref refs/tags/v3\.3\.0'
        $text | Should -Match "owner 'x0tta6bl4', repository 'x0tta6bl4', workflow 'release\.yml', environment 'pypi'"
        $text | Should -Not -Match $RequestToken
        (Invoke-X0PackageStandIn $Py GET /stats).uploadRequests | Should -Be 0
    }

    It 'without id-token: write the error says to add it' {
        $env:ACTIONS_ID_TOKEN_REQUEST_URL = $null
        $env:ACTIONS_ID_TOKEN_REQUEST_TOKEN = $null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -TrustedPublishing -ErrorAction SilentlyContinue -ErrorVariable err 6>$null
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.TrustedPublishingUnavailable'
        "$($err[0]) $($err[0].ErrorDetails.RecommendedAction)" | Should -Match 'id-token: write'
    }

    It 'a minted token that expired before the upload is reported as expired' {
        Invoke-X0PackageStandIn $Py POST /publishers @{ project = 'x0tta6bl4'; repository = 'x0tta6bl4/x0tta6bl4'; workflow = 'release.yml' } | Out-Null
        Invoke-X0PackageStandIn $Py POST /settings @{ mintedTtlSeconds = -60 } | Out-Null
        $r = Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -ErrorAction SilentlyContinue -ErrorVariable err 6>$null
        (Get-Step $r 'PyPI').ErrorId | Should -Be 'X0.PackageIndexAuthenticationFailed'
        "$($err[0])" | Should -Match 'expired'
        "$($err[0])" | Should -Match 'trusted publishing'
    }
}

Describe 'Publish-X0Release publishes this module to a local repository and a NuGet v3 feed' {
    BeforeAll {
        Invoke-X0PackageStandIn $Nu POST /reset | Out-Null
        $script:NuKey = 'oy2CANARY' + (New-Random 30)
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $NuKey } | Out-Null
        $script:ModRepo = New-ModuleRepo
        $script:Folder = New-X0TempDirectory 'psresource-folder'
        $script:Secure = ConvertTo-SecureString $NuKey -AsPlainText -Force
        $script:Publish = @{ Path = $ModRepo; SkipTests = $true; Notes = 'The module, published by itself.'; NuGetRepository = @($Folder, $Nu.ServiceIndex); NuGetApiKey = $Secure }
        $script:First = Publish-X0Release @Publish -ErrorVariable firstErrors
        $script:FirstErrors = $firstErrors
        $script:Second = Publish-X0Release @Publish
    }

    It 'packs the staged module with PSResourceGet and pushes it to the folder and the v3 feed' {
        $FirstErrors | Should -BeNullOrEmpty
        $First.Succeeded | Should -BeTrue -Because ($First.Steps | Out-String)
        $package = $First.Packages | Where-Object Ecosystem -eq 'PowerShell'
        $package.Name | Should -Be 'x0tta6bl4'
        $package.Version | Should -Be $ModuleVersion
        (Get-Step $First 'NuGet').Status | Should -Be 'Done'
        (Get-Step $First 'NuGet').Detail | Should -Match 'verified'
        $nupkg = $package.Files[0]
        $nupkg.Name | Should -Be "x0tta6bl4.$ModuleVersion.nupkg"
        (Get-FileHash -Algorithm SHA256 (Join-Path $Folder $nupkg.Name)).Hash.ToLowerInvariant() | Should -Be $nupkg.Sha256
        (@(Invoke-X0PackageStandIn $Nu GET /packages) | Where-Object id -eq 'x0tta6bl4').sha256 | Should -Be $nupkg.Sha256
        $First.Assets.Name | Should -Contain $nupkg.Name
    }

    It 'a re-run is AlreadyDone and pushes nothing' {
        (Get-Step $Second 'Packages').Status | Should -Be 'AlreadyDone'
        (Get-Step $Second 'NuGet').Status | Should -Be 'AlreadyDone'
        (Invoke-X0PackageStandIn $Nu GET /stats).pushes | Should -Be 1
    }

    It 'a re-run without the built nupkg (a fresh CI job) packs the very same bytes and pushes nothing' {
        Remove-Item (Join-Path $ModRepo "out/releases/v$ModuleVersion/packages") -Recurse -Force
        $r = Publish-X0Release @Publish
        (Get-Step $r 'Packages').Status | Should -Be 'Done'
        ($r.Packages | Where-Object Ecosystem -eq 'PowerShell').Files[0].Sha256 | Should -Be ($First.Packages | Where-Object Ecosystem -eq 'PowerShell').Files[0].Sha256
        (Get-Step $r 'NuGet').Status | Should -Be 'AlreadyDone'
        (Get-Step $r 'Assets').Status | Should -Be 'AlreadyDone'
        (Invoke-X0PackageStandIn $Nu GET /stats).pushes | Should -Be 1
    }

    It 'Save-PSResource brings it back from both repositories and it imports and runs in a new pwsh' {
        $work = New-X0TempDirectory 'save-back'
        $script = Join-Path $work 'save.ps1'
        Set-Content -Path $script -Encoding utf8NoBOM -Value @'
param([string] $Folder, [string] $Feed, [string] $Out, [string] $Version, [string] $Sample)
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
$result = [ordered]@{}
foreach ($repo in @(@{ Name = 'x0-folder'; Uri = $Folder }, @{ Name = 'x0-v3'; Uri = $Feed })) {
    Register-PSResourceRepository -Name $repo.Name -Uri $repo.Uri -Trusted
    $found = Find-PSResource -Name x0tta6bl4 -Repository $repo.Name
    $dest = Join-Path $Out $repo.Name
    New-Item -ItemType Directory -Force -Path $dest | Out-Null
    Save-PSResource -Name x0tta6bl4 -Version $Version -Repository $repo.Name -Path $dest -TrustRepository -SkipDependencyCheck
    $project = Join-Path $Out "project-$($repo.Name)"
    git clone -q $Sample $project
    git -C $project config user.name 'X0 Pester'
    git -C $project config user.email 'pester@example.com'
    $child = & ([Environment]::ProcessPath) @(if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }) -NoProfile -NonInteractive -Command "
        `$ErrorActionPreference = 'Stop'
        Import-Module (Join-Path '$dest' 'x0tta6bl4/$Version/x0tta6bl4.psd1')
        `$change = Step-X0Version -Patch -Path '$project'

        'RESULT|{0}|{1}|{2}' -f (Get-Module x0tta6bl4).ModuleBase, `$change.Version, (Get-Command -Module x0tta6bl4).Count
    " 2>&1
    $result[$repo.Name] = @{ Found = "$($found.Version)"; Child = "$child"; Exit = $LASTEXITCODE }
}
$result | ConvertTo-Json -Depth 4
'@
        $sampleRepo = New-X0GitRepository -From $Sample -Name 'saved-sample'
        $xdg = Join-Path $work 'xdg'
        New-Item -ItemType Directory -Path $xdg | Out-Null
        $previous = $env:XDG_DATA_HOME
        $env:XDG_DATA_HOME = $xdg
        try {
            $exe = [Environment]::ProcessPath
            $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
            $json = & $exe @prefix -NoProfile -NonInteractive -File $script -Folder $Folder -Feed $Nu.ServiceIndex -Out (Join-Path $work 'saved') -Version $ModuleVersion -Sample $sampleRepo 2>&1 | Out-String
        } finally { $env:XDG_DATA_HOME = $previous }
        $LASTEXITCODE | Should -Be 0 -Because $json
        $result = $json.Substring($json.IndexOf('{')) | ConvertFrom-Json
        foreach ($name in 'x0-folder', 'x0-v3') {
            $r = $result.$name
            $r.Exit | Should -Be 0 -Because $r.Child
            $r.Found | Should -Be $ModuleVersion
            $r.Child | Should -Match 'RESULT\|'
            $null, $base, $bumped, $count = ($r.Child.Substring($r.Child.IndexOf('RESULT|'))).Trim().Split('|')
            $base | Should -BeLike (Join-Path $work "saved/$name/x0tta6bl4/$ModuleVersion*")
            $bumped | Should -Be '3.2.1'
            [int]$count | Should -BeGreaterThan 5
        }
    }

    It 'the real dotnet nuget push accepts the v3 stand-in, and a second push is a 409 conflict' {
        $dir = New-X0TempDirectory 'dotnet-push'
        $config = Join-Path $dir 'nuget.config'
        Set-Content -Path $config -Value @"
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="standin" value="$($Nu.ServiceIndex)" allowInsecureConnections="true" /></packageSources></configuration>
"@
        $zip = Join-Path $dir 'Probe.Package.1.0.0.nupkg'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [System.IO.Compression.ZipFile]::Open($zip, 'Create')
        try {
            $entry = $archive.CreateEntry('Probe.Package.nuspec')
            $w = [System.IO.StreamWriter]::new($entry.Open())
            $w.Write('<?xml version="1.0"?><package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>Probe.Package</id><version>1.0.0</version><authors>x0</authors><description>probe</description></metadata></package>')
            $w.Dispose()
        } finally { $archive.Dispose() }
        $out = & dotnet nuget push $zip --source standin --api-key $NuKey --configfile $config 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $out
        $out = & dotnet nuget push $zip --source standin --api-key $NuKey --configfile $config 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $out | Should -Match '409|already exists'
    }

    It 'the same version with different content on the feed is X0.PackageVersionExists, nothing pushed' {
        $nupkg = ($First.Packages | Where-Object Ecosystem -eq 'PowerShell').Files[0].Path
        $altered = Join-Path (New-X0TempDirectory 'altered') (Split-Path -Leaf $nupkg)
        Copy-Item $nupkg $altered
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [System.IO.Compression.ZipFile]::Open($altered, 'Update')
        try {
            $w = [System.IO.StreamWriter]::new($archive.CreateEntry('EXTRA.txt').Open())
            $w.Write('other content'); $w.Dispose()
        } finally { $archive.Dispose() }
        Invoke-X0PackageStandIn $Nu POST /reset | Out-Null
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $NuKey } | Out-Null
        Invoke-X0PackageStandIn $Nu POST /packages @{ contentBase64 = [Convert]::ToBase64String([IO.File]::ReadAllBytes($altered)) } | Out-Null
        $r = Publish-X0Release @Publish -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'NuGet').ErrorId | Should -Be 'X0.PackageVersionExists'
        "$($err[0])" | Should -Match 'already published with different content'
        (Invoke-X0PackageStandIn $Nu GET /stats).pushes | Should -Be 0
    }

    It 'a 409 for the same package (another run pushed it) is compared and counts as done' {
        Invoke-X0PackageStandIn $Nu POST /reset | Out-Null
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $NuKey } | Out-Null
        Invoke-X0PackageStandIn $Nu POST /faults @{ method = 'PUT'; path = '^/api/v2/package'; status = 409; apply = $true; times = 1 } | Out-Null
        $r = Publish-X0Release @Publish -WarningAction SilentlyContinue
        $r.Succeeded | Should -BeTrue -Because ($r.Steps | Out-String)
        (Get-Step $r 'NuGet').Detail | Should -Match 'same package after 409'
    }

    It 'a Gallery-style v2 feed (push to <feed>/package/, download by id and version) works the same way' {
        Invoke-X0PackageStandIn $Nu POST /reset | Out-Null
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $NuKey } | Out-Null
        $v2 = @{} + $Publish
        $v2.NuGetRepository = @($Nu.Url + '/api/v2')
        $r = Publish-X0Release @v2
        (Get-Step $r 'NuGet').Status | Should -Be 'Done'
        (Get-Step $r 'NuGet').Detail | Should -Match 'verified'
        $again = Publish-X0Release @v2
        (Get-Step $again 'NuGet').Status | Should -Be 'AlreadyDone'
        (Invoke-X0PackageStandIn $Nu GET /stats).pushes | Should -Be 1
    }

    It 'an expired key (403) is an error that says so, without the key' {
        Invoke-X0PackageStandIn $Nu POST /reset | Out-Null
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $NuKey; expired = $true } | Out-Null
        $r = Publish-X0Release @Publish -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-Step $r 'NuGet').ErrorId | Should -Be 'X0.PackageIndexAuthenticationFailed'
        $text = "$($err[0]) $($err[0].ErrorDetails.RecommendedAction)"
        $text | Should -Match 'HTTP 403'
        $text | Should -Match 'expired'
        $text | Should -Not -Match $NuKey
    }
}

Describe 'Package secrets never leak' -Skip:(-not $HasBuild) {
    It 'a PyPI token and a NuGet key with -Verbose -Debug and forced <Status> answers: not in output, $Error, files or the run store' -ForEach @(
        @{ Status = 403 }
        @{ Status = 500 }
        @{ Status = 400 }
    ) {
        Reset-PyPI
        $env:PYPI_API_TOKEN = $Token
        Invoke-X0PackageStandIn $Py POST /faults @{ method = 'POST'; path = '^/legacy/'; status = $Status; reason = "denied for $Token"; body = "token $Token refused"; times = -1 } | Out-Null
        Invoke-X0PackageStandIn $Nu POST /reset | Out-Null
        $nuKey = 'oy2CANARY' + (New-Random 30)
        Invoke-X0PackageStandIn $Nu POST /keys @{ key = $nuKey } | Out-Null
        Invoke-X0PackageStandIn $Nu POST /faults @{ method = 'PUT'; path = '^/api/v2/package'; status = $Status; body = "key $nuKey refused"; times = -1 } | Out-Null
        $repo = New-SampleRepo -Name "canary-$Status"
        $moduleRepo = New-ModuleRepo
        $transcript = Join-Path (New-X0TempDirectory 'canary') 'transcript.txt'
        $Error.Clear()
        Push-Location $repo
        try {
            Start-Transcript -Path $transcript | Out-Null
            $all = & {
                Step-X0Version -Minor | Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -Verbose -Debug -Confirm:$false -ErrorAction Continue -WarningAction Continue
                Publish-X0Release -SkipTests -PyPIRepository $Py.UploadUrl -Verbose -Debug -Confirm:$false -ErrorAction Continue -WarningAction Continue
                Publish-X0Release -Path $moduleRepo -Notes 'module' -SkipTests -NuGetRepository $Nu.ServiceIndex -NuGetApiKey (ConvertTo-SecureString $nuKey -AsPlainText -Force) -Verbose -Debug -Confirm:$false -ErrorAction Continue -WarningAction Continue
            } *>&1 | Out-String -Width 500
            Stop-Transcript | Out-Null
        } finally { Pop-Location; $env:PYPI_API_TOKEN = $null }
        @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -like 'X0.Package*' }).Count | Should -BeGreaterOrEqual 2
        foreach ($secret in $Token, $nuKey) {
            $all | Should -Not -Match $secret
            ($Error | Out-String -Width 500) | Should -Not -Match $secret
            foreach ($e in $Error) {
                if ($e -is [System.Management.Automation.ErrorRecord]) {
                    "$($e.Exception) $($e.Exception.InnerException) $($e.ErrorDetails) $($e.TargetObject) $($e.ErrorDetails.RecommendedAction)" | Should -Not -Match $secret
                }
            }
            Get-Content -Raw $transcript | Should -Not -Match $secret
            foreach ($file in Get-ChildItem -Recurse -File -Force $repo, $StateDir, (Join-Path $moduleRepo 'out/releases')) {
                [System.IO.File]::ReadAllText($file.FullName, [System.Text.Encoding]::Latin1) | Should -Not -Match $secret -Because $file.FullName
            }
        }
    }
}

Describe 'Build-X0Package builds and checks packages before any tag exists' -Skip:(-not $HasBuild) {
    It 'builds the sdist and wheel of HEAD into dist/ and returns them with their digests' {
        $repo = New-SampleRepo -Name 'build-pkg'
        $packages = @(Build-X0Package -Path $repo)
        $packages.Count | Should -Be 1
        $packages[0].GetType().FullName | Should -Be 'X0tta6bl4.Models.X0Package'
        $packages[0].Version | Should -Be '3.2.0'
        foreach ($file in $packages[0].Files) {
            Split-Path -Parent $file.Path | Should -Be (Join-Path $repo 'dist')
            (Get-FileHash -Algorithm SHA256 $file.Path).Hash.ToLowerInvariant() | Should -Be $file.Sha256
        }
        (Invoke-Git $repo status --porcelain) | Should -BeNullOrEmpty -Because 'dist/ is ignored and nothing else is written'
        ($packages | Format-Table | Out-String) | Should -Match 'Ecosystem\s+Name\s+Version\s+Files'
        ($packages[0].Files | Format-Table | Out-String) | Should -Match 'x0tta6bl4-3\.2\.0\.tar\.gz\s+sdist'
    }

    It 'takes the version from Step-X0Version down the pipeline' {
        $repo = New-SampleRepo -Name 'build-bump'
        $package = Step-X0Version -Minor -Path $repo | Build-X0Package
        $package.Version | Should -Be '3.3.0'
        $package.Files.Name | Should -Contain 'x0tta6bl4-3.3.0-py3-none-any.whl'
    }

    It '-WhatIf checks and builds nothing' {
        $repo = New-SampleRepo -Name 'build-whatif'
        $out = Build-X0Package -Path $repo -WhatIf
        $out | Should -BeNullOrEmpty
        Test-Path (Join-Path $repo 'dist') | Should -BeFalse
    }

    It 'lists every metadata problem PyPI would refuse in one X0.PackageInvalid, building nothing' {
        $repo = New-SampleRepo -Name 'build-bad'
        $pyproject = Join-Path $repo 'pyproject.toml'
        (Get-Content -Raw $pyproject).Replace('readme = "README.md"', 'readme = "README"').Replace('description = "Self-healing MAPE-K control loop for service meshes"', 'description = """two
lines"""') | Set-Content -NoNewline $pyproject
        Set-Content -Path (Join-Path $repo 'README') -Value 'plain'
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'fix: metadata' | Out-Null
        Build-X0Package -Path $repo -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.PackageInvalid,*'
        "$($err[0])" | Should -Match "readme 'README' has no extension"
        "$($err[0])" | Should -Match 'one line'
        Test-Path (Join-Path $repo 'dist') | Should -BeFalse
    }
}

Describe 'Build-X0Package packs .NET projects with the given version' {
    It 'dotnet pack of the configured project gives <id>.<version>.nupkg with that version inside' {
        $fixture = Join-Path (Get-X0RepositoryRoot) 'tests/Fixtures/dotnet-failing'
        $repo = New-X0GitRepository -From $fixture -Name 'dotnet-pack'
        Set-Content -Path (Join-Path $repo 'x0tta6bl4.toml') -Value "[packages]`ndotnet_projects = [`"src/Calc/Calc.csproj`"]"
        Set-Content -Path (Join-Path $repo '.gitignore') -Value "bin/`nobj/`ndist/"
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'build: pack Calc' | Out-Null
        $package = Build-X0Package -Path $repo -Version '1.4.0-rc.1' -ErrorAction Stop
        $package.Ecosystem | Should -Be 'DotNet'
        $package.Name | Should -Be 'Calc'
        $package.Version | Should -Be '1.4.0-rc.1'
        $package.Files.Name | Should -Be 'Calc.1.4.0-rc.1.nupkg'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package.Files[0].Path)
        try {
            $reader = [System.IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'Calc.nuspec').Open())
            ([xml]$reader.ReadToEnd()).package.metadata.version | Should -Be '1.4.0-rc.1'
            $reader.Dispose()
            $zip.Entries.FullName | Should -Contain 'lib/net10.0/Calc.dll'
        } finally { $zip.Dispose() }
    }
}
