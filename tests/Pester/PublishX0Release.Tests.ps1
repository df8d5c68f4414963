#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Publish-X0Release end to end: a copy of the sample with a local bare remote, Step-X0Version -Minor -Push
# piped into Publish-X0Release, and the GitHub release made on the stand-in behind prism, which checks
# every request and answer against GitHub's published description. The stand-in's own records (releases,
# asset bytes, request counters) are the ground truth; every fault of the issue is one test.

BeforeDiscovery {
    # -Skip is decided at discovery: whether the offline Python build (python3-build, setuptools) is here.
    $script:CanBuild = $false
    if (Test-Path /usr/bin/python3) {
        & /usr/bin/python3 -c 'import build, setuptools' 2>$null
        $script:CanBuild = $LASTEXITCODE -eq 0
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../StandIns/StandIns.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force

    $script:StandIn = Start-X0GitHubStandIn
    $script:ChildScript = Join-Path $PSScriptRoot 'PublishX0Release.Child.ps1'
    $script:SavedEnv = @{}
    foreach ($name in 'GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_API_URL', 'GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'X0_STATE_DIR') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:GH_TOKEN = $null
    $env:GITHUB_API_URL = $null
    $env:GITHUB_ACTIONS = $null
    $script:StateDir = New-X0TempDirectory 'release-state'
    $env:X0_STATE_DIR = $StateDir
    $script:Token = 'ghp_release' + [guid]::NewGuid().ToString('N')
    $env:GITHUB_TOKEN = $Token
    $script:Repository = 'octo/sample'
    # These cases are about the GitHub release; packages have their own suite (-Package None keeps dist/ as built here).
    $script:Gh = @{ Repository = $Repository; ApiUrl = $StandIn.ApiUrl; Package = 'None' }

    function New-ReleaseProject([string] $Name = 'publish') {
        <# The sample with a bare remote, v3.2.0 tagged and pushed, then categorized commits to release. #>
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name $Name -WithRemote
        Invoke-Git $repo tag -a v3.2.0 -m 'v3.2.0' | Out-Null
        Invoke-Git $repo commit -q --allow-empty -m 'feat: add ML-based anomaly detection' | Out-Null
        Invoke-Git $repo commit -q --allow-empty -m 'fix: resolve deadlock in executor' | Out-Null
        Invoke-Git $repo commit -q --allow-empty -m 'perf: optimize analyzer by 30%' | Out-Null
        Invoke-Git $repo push -q origin main --tags | Out-Null
        $repo
    }

    function Build-Dist([string] $Repo) {
        <# Wheel and sdist of the bumped version, offline, into dist/ (ignored by the sample's .gitignore). #>
        $out = & /usr/bin/python3 -m build --no-isolation --outdir (Join-Path $Repo 'dist') $Repo 2>&1
        if ($LASTEXITCODE -ne 0) { throw "python -m build failed: $out" }
    }

    function Add-FakeDist([string] $Repo, [string] $Version = '3.3.0', [int] $Size = 65536) {
        <# Stand-ins for the packages (faster than a build): a binary wheel-named file and an sdist-named one. #>
        $dist = Join-Path $Repo 'dist'
        New-Item -ItemType Directory -Force $dist | Out-Null
        $bytes = [byte[]]::new($Size)
        [System.Random]::new($Size).NextBytes($bytes)
        [System.IO.File]::WriteAllBytes((Join-Path $dist "x0tta6bl4-$Version-py3-none-any.whl"), $bytes)
        [System.IO.File]::WriteAllText((Join-Path $dist "x0tta6bl4-$Version.tar.gz"), "sdist $Version`n")
    }

    function New-BumpedProject([string] $Name = 'publish', [switch] $PreRelease) {
        $repo = New-ReleaseProject $Name
        if ($PreRelease) {
            Step-X0Version -Path $repo -Minor -PreRelease rc -Push | Out-Null
            Add-FakeDist $repo '3.3.0rc1'   # the PEP 440 spelling Python packages carry
        } else {
            Step-X0Version -Path $repo -Minor -Push | Out-Null
            Add-FakeDist $repo
        }
        $repo
    }

    function Get-Truth { @((Invoke-X0StandIn GET "/repos/$Repository/releases") | ForEach-Object { $_ }) }
    function Get-Stats { Invoke-X0StandIn GET /stats }
    function Get-RouteCount([string] $Route) {
        $byRoute = (Get-Stats).byRoute
        $hit = $byRoute.PSObject.Properties | Where-Object Name -eq $Route
        if ($hit) { [int]$hit.Value } else { 0 }
    }
    function Get-LocalSha256([string] $Path) { (Get-FileHash -Algorithm SHA256 $Path).Hash.ToLowerInvariant() }

    function Start-PublishChild([string] $Repo, [string] $Result, [string] $Signal, [string] $Output) {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        $psi.WorkingDirectory = Get-X0RepositoryRoot
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        foreach ($a in @('pwsh', '-NoProfile', '-NonInteractive', '-File', $ChildScript, '-ModulePath', (Get-X0ModulePath), '-Path', $Repo,
                '-Repository', $Repository, '-ApiUrl', $StandIn.ApiUrl, '-ResultPath', $Result, '-StartSignal', $Signal, '-SkipTests')) {
            $psi.ArgumentList.Add($a)
        }
        $p = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync(); Result = $Result }
    }
}

AfterAll {
    foreach ($k in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $script:SavedEnv[$k]) }
}

Describe 'Publish-X0Release against the contract-checked GitHub stand-in' {
    BeforeEach {
        Reset-X0GitHubStandIn
        Invoke-X0StandIn POST /tokens @{ token = $Token; permissions = @{ contents = 'write'; actions = 'read' } } | Out-Null
        Invoke-X0StandIn POST /repos @{ owner = 'octo'; name = 'sample' } | Out-Null
        $env:GITHUB_TOKEN = $Token
    }

    It 'Step-X0Version -Minor -Push | Publish-X0Release publishes the categorized notes, the built packages and SHA256SUMS; a re-run changes nothing and exits 0' -Skip:(-not $CanBuild) {
        $repo = New-ReleaseProject 'e2e'
        $release = Step-X0Version -Path $repo -Minor -Push | ForEach-Object { Build-Dist $repo; $_ } | Publish-X0Release @Gh

        $release | Should -BeOfType ([X0tta6bl4.Models.X0Release])
        $release.Succeeded | Should -BeTrue
        $release.Steps.Name | Should -Be @('Preflight', 'Gates', 'Notes', 'Packages', 'Push', 'Assets', 'Images', 'PyPI', 'NuGet', 'GitHub Release')
        $release.Steps.Status | Should -Be @('Done', 'Done', 'Done', 'Skipped', 'AlreadyDone', 'Done', 'Skipped', 'Skipped', 'Skipped', 'Done')
        $release.TestRun.Succeeded | Should -BeTrue
        $release.Version | Should -Be '3.3.0'
        $release.Url | Should -Be "https://github.com/$Repository/releases/tag/v3.3.0"
        $release.Draft | Should -BeFalse
        $release.Prerelease | Should -BeFalse

        $truth = Get-Truth
        $truth.Count | Should -Be 1
        $truth[0].tag_name | Should -Be 'v3.3.0'
        $truth[0].draft | Should -BeFalse
        $truth[0].prerelease | Should -BeFalse
        $notes = Get-Content -Raw (Join-Path $release.OutputDirectory 'NOTES.md')
        $truth[0].body | Should -Be $notes
        $truth[0].body | Should -Match '(?s)### Features\n- add ML-based anomaly detection.*### Bug Fixes\n- resolve deadlock in executor.*### Performance\n- optimize analyzer by 30%'

        $local = Get-ChildItem (Join-Path $release.OutputDirectory 'assets') -File
        @($local.Name | Sort-Object) | Should -Be @('SHA256SUMS', 'x0tta6bl4-3.3.0-py3-none-any.whl', 'x0tta6bl4-3.3.0.tar.gz')
        @($truth[0].assets.name | Sort-Object) | Should -Be @($local.Name | Sort-Object)
        foreach ($file in $local) {
            $remote = $truth[0].assets | Where-Object name -eq $file.Name
            $remote.state | Should -Be 'uploaded'
            $remote.size | Should -Be $file.Length
            $remote.sha256 | Should -Be (Get-LocalSha256 $file.FullName) -Because $file.Name
        }
        (Get-LocalSha256 (Join-Path $repo 'dist/x0tta6bl4-3.3.0-py3-none-any.whl')) | Should -Be ($truth[0].assets | Where-Object name -like '*.whl').sha256
        $sums = Get-Content (Join-Path $release.OutputDirectory 'assets/SHA256SUMS')
        $sums | Should -HaveCount 2
        Push-Location (Join-Path $release.OutputDirectory 'assets')
        try { & sha256sum -c SHA256SUMS *> $null; $LASTEXITCODE | Should -Be 0 } finally { Pop-Location }
        $release.Assets.Url | ForEach-Object { $_ | Should -BeLike "https://github.com/$Repository/releases/download/v3.3.0/*" }

        # A re-run in a new process: every step AlreadyDone, exit code 0, not one mutating call.
        Invoke-X0StandIn POST /stats/reset | Out-Null
        $result = Join-Path (New-X0TempDirectory 'rerun') 'result.json'
        $child = Invoke-X0ChildPwsh -Script $ChildScript -Arguments @('-ModulePath', (Get-X0ModulePath), '-Path', $repo, '-Repository', $Repository, '-ApiUrl', $StandIn.ApiUrl, '-ResultPath', $result)
        $child.ExitCode | Should -Be 0 -Because $child.Output
        $again = Get-Content -Raw $result | ConvertFrom-Json
        # Images were not requested: Skipped with the reason, the same in both runs.
        $again.Steps.Status | Should -Be @('AlreadyDone', 'AlreadyDone', 'AlreadyDone', 'Skipped', 'AlreadyDone', 'AlreadyDone', 'Skipped', 'Skipped', 'Skipped', 'AlreadyDone')
        $again.Draft | Should -BeFalse
        $again.Url | Should -Be $release.Url
        $again.TestsPassed | Should -Be $release.TestRun.Passed -Because 'the gates that passed on this commit are reported with their counts'
        $release.TestRun.Passed | Should -BeGreaterThan 0
        (Get-Stats).mutations | Should -Be 0
        (Get-Stats).requests | Should -BeGreaterThan 0 -Because 'the re-run reads the release to know it is complete'
        (Get-Truth).Count | Should -Be 1
    }

    It 'a failed gate stops the release before anything is published' {
        $repo = New-ReleaseProject 'gate'
        Set-Content (Join-Path $repo 'tests/test_release_gate.py') "def test_release_gate():`n    assert 1 == 2`n"
        Invoke-Git $repo add -A | Out-Null
        Invoke-Git $repo commit -q -m 'test: a failing gate' | Out-Null
        Step-X0Version -Path $repo -Minor -Push | Out-Null
        Add-FakeDist $repo
        Invoke-X0StandIn POST /stats/reset | Out-Null

        $release = Publish-X0Release -Path $repo @Gh -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.GatesFailed,*'
        ($release.Steps | Where-Object Name -eq 'Gates').Status | Should -Be 'Failed'
        ($release.Steps | Where-Object Name -eq 'GitHub Release').Status | Should -Be 'Skipped'
        (Get-Stats).mutations | Should -Be 0
        Get-Truth | Should -BeNullOrEmpty
    }

    It 'a create answered 502 after it created the release finds it by listing: one release, no duplicate' {
        $repo = New-BumpedProject '502create'
        Invoke-X0StandIn POST /faults @{ method = 'POST'; path = '/releases$'; status = 502; apply = $true; body = @{ message = 'Server Error' } } | Out-Null
        $release = Publish-X0Release -Path $repo @Gh -SkipTests -WarningVariable warnings -WarningAction SilentlyContinue
        $release.Succeeded | Should -BeTrue
        "$warnings" | Should -Match '502'
        $truth = Get-Truth
        $truth.Count | Should -Be 1
        $truth[0].draft | Should -BeFalse
        $truth[0].assets.Count | Should -Be 3
        Get-RouteCount 'POST /repos/octo/sample/releases' | Should -Be 1 -Because 'the release was found, not created again'
    }

    It 'an upload cut off mid-way leaves an open asset that is deleted and uploaded again' {
        $repo = New-BumpedProject 'cut'
        Invoke-X0StandIn POST /faults @{ method = 'POST'; path = '\.whl$'; status = 502; cutAfterBytes = 20000; body = @{ message = 'Server Error' } } | Out-Null
        $release = Publish-X0Release -Path $repo @Gh -SkipTests -WarningAction SilentlyContinue
        $release.Succeeded | Should -BeTrue
        $wheel = (Get-Truth)[0].assets | Where-Object name -like '*.whl'
        $wheel.state | Should -Be 'uploaded'
        $wheel.size | Should -Be 65536
        $wheel.sha256 | Should -Be (Get-LocalSha256 (Join-Path $repo 'dist/x0tta6bl4-3.3.0-py3-none-any.whl'))
        Get-RouteCount 'DELETE /repos/octo/sample/releases/assets/:id' | Should -Be 1
    }

    It 'an asset already there with the same digest is kept; the release is AlreadyDone without a mutating call' {
        $repo = New-BumpedProject 'same'
        $files = @(Get-ChildItem (Join-Path $repo 'dist') -File)
        $names = [string[]]@($files.Name)
        [Array]::Sort($names, [StringComparer]::Ordinal)
        $sums = ($names | ForEach-Object { "$(Get-LocalSha256 (Join-Path $repo "dist/$_"))  $_`n" }) -join ''
        $assets = @($files | ForEach-Object { @{ name = $_.Name; base64 = [Convert]::ToBase64String([IO.File]::ReadAllBytes($_.FullName)) } }) + @(@{ name = 'SHA256SUMS'; text = $sums })
        Invoke-X0StandIn POST "/repos/$Repository/releases" @{ tag = 'v3.3.0'; draft = $false; body = 'published earlier'; assets = $assets } | Out-Null
        Invoke-X0StandIn POST /stats/reset | Out-Null

        $release = Publish-X0Release -Path $repo @Gh -SkipTests
        $release.Succeeded | Should -BeTrue
        ($release.Steps | Where-Object Name -eq 'GitHub Release').Status | Should -Be 'AlreadyDone'
        (Get-Stats).mutations | Should -Be 0
    }

    It 'different bytes under a published asset''s name: error "asset differs", nothing overwritten' {
        $repo = New-BumpedProject 'differs'
        $wheel = Join-Path $repo 'dist/x0tta6bl4-3.3.0-py3-none-any.whl'
        Invoke-X0StandIn POST "/repos/$Repository/releases" @{ tag = 'v3.3.0'; draft = $false; body = 'published earlier'; assets = @(@{ name = 'x0tta6bl4-3.3.0-py3-none-any.whl'; text = 'other bytes' }) } | Out-Null
        $before = Get-Truth
        Invoke-X0StandIn POST /stats/reset | Out-Null

        $release = Publish-X0Release -Path $repo @Gh -SkipTests -ErrorVariable err -ErrorAction SilentlyContinue
        $release.Succeeded | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.AssetDiffers,*'
        "$($err[0])" | Should -Match 'asset differs'
        "$($err[0])" | Should -Match 'x0tta6bl4-3\.3\.0-py3-none-any\.whl'
        (Get-Stats).mutations | Should -Be 0
        (Get-Truth | ConvertTo-Json -Depth 5) | Should -Be ($before | ConvertTo-Json -Depth 5)
        ((Get-Truth)[0].assets | Where-Object name -like '*.whl').sha256 | Should -Not -Be (Get-LocalSha256 $wheel)
    }

    It 'waits for the primary rate limit to reset within -MaxWait' {
        $repo = New-BumpedProject 'primary'
        Invoke-X0StandIn POST /rate-limit @{ limit = 5000; remaining = 0; resetInSeconds = 2 } | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $release = Publish-X0Release -Path $repo @Gh -SkipTests -MaxWait 30 -WarningVariable warnings -WarningAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1
        $release.Succeeded | Should -BeTrue
        "$warnings" | Should -Match 'primary rate limit'
        (Get-Stats).rateLimited | Should -BeGreaterThan 0
        (Get-Truth).Count | Should -Be 1
    }

    It 'stops with the reset time when the primary rate limit resets later than -MaxWait, before any change' {
        $repo = New-BumpedProject 'primary-late'
        Invoke-X0StandIn POST /rate-limit @{ limit = 5000; remaining = 0; resetInSeconds = 3600 } | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $release = Publish-X0Release -Path $repo @Gh -SkipTests -MaxWait 5 -ErrorVariable err -ErrorAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $release.Succeeded | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.GitHubRateLimited,*'
        $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        "$($err[0])" | Should -Match 'until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC'
        "$($err[0])" | Should -Match '-MaxWait \d+ \(seconds\)'
        (Get-Stats).mutations | Should -Be 0
    }

    It 'backs off on a secondary rate limit and publishes' {
        $repo = New-BumpedProject 'secondary'
        Invoke-X0StandIn POST /faults @{ method = 'POST'; path = '/releases$'; status = 403; headers = @{ 'retry-after' = '1' }; body = @{ message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' } } | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $release = Publish-X0Release -Path $repo @Gh -SkipTests -WarningVariable warnings -WarningAction SilentlyContinue
        $release.Succeeded | Should -BeTrue
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1
        "$warnings" | Should -Match 'secondary rate limit'
        (Get-Truth).Count | Should -Be 1
        Get-RouteCount 'POST /repos/octo/sample/releases' | Should -Be 2
    }

    It 'retries server errors a bounded number of times, reading the release before it repeats a mutation' {
        $repo = New-BumpedProject '5xx'
        Invoke-X0StandIn POST /faults @{ method = 'GET'; path = '/releases\?'; status = 502; headers = @{ 'retry-after' = '0' }; times = 2; body = @{ message = 'Server Error' } } | Out-Null
        Invoke-X0StandIn POST /faults @{ method = 'POST'; path = 'assets\?name=x0tta6bl4-3\.3\.0\.tar\.gz'; status = 500; times = 1; body = @{ message = 'Server Error' } } | Out-Null
        Invoke-X0StandIn POST /faults @{ method = 'PATCH'; path = '/releases/[0-9]+$'; status = 502; apply = $true; times = 1; body = @{ message = 'Server Error' } } | Out-Null
        $release = Publish-X0Release -Path $repo @Gh -SkipTests -WarningAction SilentlyContinue
        $release.Succeeded | Should -BeTrue
        $truth = Get-Truth
        $truth.Count | Should -Be 1
        $truth[0].draft | Should -BeFalse
        $truth[0].assets.Count | Should -Be 3
        Get-RouteCount 'PATCH /repos/octo/sample/releases/:id' | Should -Be 1 -Because 'the publish took effect before its 502 and was read back, not repeated'
        $log = @((Get-Stats).log)
        $uploads = @(0..($log.Count - 1) | Where-Object { $log[$_] -like 'POST */assets?name=x0tta6bl4-3.3.0.tar.gz' })
        $uploads.Count | Should -Be 2
        @($log[($uploads[0] + 1)..($uploads[1] - 1)] | Where-Object { $_ -like 'GET /repos/octo/sample/releases?*' }).Count | Should -BeGreaterThan 0 -Because 'the release is read between the failed upload and its repetition'
    }

    It 'gives up after bounded retries and a re-run resumes with only the missing work' {
        $repo = New-BumpedProject 'resume'
        Invoke-X0StandIn POST /faults @{ method = 'POST'; path = 'assets\?name=x0tta6bl4-3\.3\.0\.tar\.gz'; status = 503; times = -1; body = @{ message = 'Service Unavailable' } } | Out-Null
        $first = Publish-X0Release -Path $repo @Gh -SkipTests -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $first.Succeeded | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.GitHubServerError,*'
        Get-RouteCount 'POST /repos/octo/sample/releases/:id/assets' | Should -Be (1 + 3) -Because 'the wheel once, the sdist three times, then it stops'
        $draft = Get-Truth
        $draft.Count | Should -Be 1
        $draft[0].draft | Should -BeTrue
        $draft[0].body | Should -Not -Match 'x0tta6bl4:publishing' -Because 'the failed run let its lease go'

        Invoke-X0StandIn DELETE /faults | Out-Null
        Invoke-X0StandIn POST /stats/reset | Out-Null
        $second = Publish-X0Release -Path $repo @Gh -SkipTests
        $second.Succeeded | Should -BeTrue
        ($second.Steps | Where-Object Name -eq 'GitHub Release').Status | Should -Be 'Done'
        Get-RouteCount 'POST /repos/octo/sample/releases' | Should -Be 0 -Because 'the draft was resumed, not created again'
        Get-RouteCount 'POST /repos/octo/sample/releases/:id/assets' | Should -Be 2 -Because 'only the sdist and SHA256SUMS were missing'
        $truth = Get-Truth
        $truth.Count | Should -Be 1
        $truth[0].draft | Should -BeFalse
        $truth[0].assets.Count | Should -Be 3
    }

    It 'a token without contents: write fails in the preflight, naming it, before any upload' {
        Invoke-X0StandIn POST /tokens @{ token = 'ghp_readonly_release_token'; permissions = @{ contents = 'read' } } | Out-Null
        $env:GITHUB_TOKEN = 'ghp_readonly_release_token'
        $repo = New-BumpedProject 'readonly'
        Invoke-X0StandIn POST /stats/reset | Out-Null

        $release = Publish-X0Release -Path $repo @Gh -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.PermissionMissing,*'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($err[0])" | Should -Match 'contents: write'
        ($release.Steps | Where-Object Name -eq 'Preflight').Status | Should -Be 'Failed'
        @($release.Steps | Select-Object -Skip 1 | ForEach-Object Status | Select-Object -Unique) | Should -Be @('Skipped')
        (Get-Stats).mutations | Should -Be 0
        (Get-Stats).requests | Should -BeGreaterThan 0
        Get-Truth | Should -BeNullOrEmpty
        Test-Path (Join-Path $repo 'out/releases/v3.3.0/assets') | Should -BeFalse
    }

    It 'two Publish-X0Release processes for the same version at once leave exactly one release; the other reports AlreadyDone' {
        $repo = New-BumpedProject 'race'
        # Slow uploads, so that the second run meets the first one's draft rather than its finished release.
        Invoke-X0StandIn POST /faults @{ method = 'POST'; path = '/assets\?'; delayMs = 1200; times = -1 } | Out-Null
        $dir = New-X0TempDirectory 'race'
        $signal = Join-Path $dir 'go'
        $children = @(
            Start-PublishChild $repo (Join-Path $dir 'a.json') $signal
            Start-PublishChild $repo (Join-Path $dir 'b.json') $signal
        )
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (@(Get-ChildItem $dir -Filter 'go.ready-*').Count -lt 2) {
            if ([DateTime]::UtcNow -gt $deadline -or @($children | Where-Object { $_.Process.HasExited }).Count -gt 0) {
                throw "The publishing processes did not get ready: $($children | ForEach-Object { $_.Stderr.Result })"
            }
            Start-Sleep -Milliseconds 50
        }
        New-Item -ItemType File $signal | Out-Null
        foreach ($c in $children) {
            $c.Process.WaitForExit(180000) | Should -BeTrue
            $c.Process.ExitCode | Should -Be 0 -Because "$($c.Stdout.Result) $($c.Stderr.Result)"
        }
        $results = $children | ForEach-Object { Get-Content -Raw $_.Result | ConvertFrom-Json }
        $statuses = @($results | ForEach-Object { ($_.Steps | Where-Object Name -eq 'GitHub Release').Status } | Sort-Object)
        $statuses | Should -Be @('AlreadyDone', 'Done')
        ($results | Where-Object { ($_.Steps | Where-Object Name -eq 'GitHub Release').Status -eq 'AlreadyDone' }).Steps[-1].Detail | Should -Match 'another run'
        $results.Url | Select-Object -Unique | Should -Be "https://github.com/$Repository/releases/tag/v3.3.0"

        $truth = Get-Truth
        $truth.Count | Should -Be 1 -Because 'exactly one release, drafts included'
        $truth[0].draft | Should -BeFalse
        $truth[0].assets.Count | Should -Be 3
        $truth[0].body | Should -Not -Match 'x0tta6bl4:publishing'
        Get-RouteCount 'PATCH /repos/octo/sample/releases/:id' | Should -Be 1 -Because 'published exactly once, by the run holding the draft'
    }

    It 'Step-X0Version -Minor | Publish-X0Release (no -Push): the release pushes branch and tag itself, after the gates, then publishes' -Skip:(-not $CanBuild) {
        $repo = New-ReleaseProject 'headline'
        $bare = (& git -C $repo remote get-url origin).Trim()
        $release = Step-X0Version -Path $repo -Minor | ForEach-Object { Build-Dist $repo; $_ } | Publish-X0Release @Gh

        $release.Succeeded | Should -BeTrue -Because (($release.Steps | Format-Table | Out-String))
        $push = $release.Steps | Where-Object Name -eq 'Push'
        $push.Status | Should -Be 'Done'
        $push.Detail | Should -Match "pushed main and v3\.3\.0 to 'origin'"
        $names = @($release.Steps.Name)
        $names.IndexOf('Gates') | Should -BeLessThan $names.IndexOf('Push')
        $head = (& git -C $repo rev-parse HEAD).Trim()
        (& git -C $bare rev-parse 'v3.3.0^{commit}').Trim() | Should -Be $head
        (& git -C $bare rev-parse main).Trim() | Should -Be $head
        (Get-Truth).Count | Should -Be 1
        (Get-Truth)[0].tag_name | Should -Be 'v3.3.0'
    }

    It '-WhatIf of a release whose tag is only local plans the push and pushes nothing' {
        $repo = New-ReleaseProject 'whatif-push'
        Step-X0Version -Path $repo -Minor | Out-Null
        $bare = (& git -C $repo remote get-url origin).Trim()
        $plan = Publish-X0Release -Path $repo @Gh -SkipTests -WhatIf
        ($plan.Steps | Where-Object Name -eq 'Push').Status | Should -Be 'Planned'
        ($plan.Steps | Where-Object Name -eq 'Push').Detail | Should -Match "push main and v3\.3\.0 to 'origin'"
        @(& git -C $bare tag -l) | Should -Not -Contain 'v3.3.0'
        (Get-Stats).mutations | Should -Be 0
    }

    It '-WhatIf reads the remote state and plans every step without a mutating call or a file written' {
        $repo = New-BumpedProject 'whatif'
        $before = Get-X0TreeSnapshot $repo
        Invoke-X0StandIn POST /stats/reset | Out-Null

        $plan = Publish-X0Release -Path $repo @Gh -WhatIf
        $plan.Steps.Status | Should -Be @('Done', 'Planned', 'Planned', 'Skipped', 'AlreadyDone', 'Planned', 'Skipped', 'Skipped', 'Skipped', 'Planned')
        ($plan.Steps | Where-Object Name -eq 'GitHub Release').Detail | Should -Match 'create a draft v3\.3\.0 on octo/sample, upload 3 asset'
        (Get-Stats).mutations | Should -Be 0
        (Get-Stats).requests | Should -BeGreaterOrEqual 2 -Because 'the preflight reads the permissions and the plan reads the releases'
        Get-X0TreeSnapshot $repo | Should -Be $before
        Get-Truth | Should -BeNullOrEmpty

        # After publishing, -WhatIf says what is already done, still without a change.
        Publish-X0Release -Path $repo @Gh -SkipTests | Out-Null
        Invoke-X0StandIn POST /stats/reset | Out-Null
        $done = Publish-X0Release -Path $repo @Gh -SkipTests -WhatIf
        ($done.Steps | Where-Object Name -eq 'GitHub Release').Status | Should -Be 'AlreadyDone'
        (Get-Stats).mutations | Should -Be 0
    }

    It '-Draft keeps the release a draft (re-run AlreadyDone); a later run without -Draft publishes it once' {
        $repo = New-BumpedProject 'draft'
        $draft = Publish-X0Release -Path $repo @Gh -SkipTests -Draft
        $draft.Succeeded | Should -BeTrue
        $draft.Draft | Should -BeTrue
        $draft.Url | Should -Match '/releases/tag/untagged-'
        $truth = Get-Truth
        $truth[0].draft | Should -BeTrue
        $truth[0].assets.Count | Should -Be 3
        $truth[0].body | Should -Not -Match 'x0tta6bl4:publishing'

        Invoke-X0StandIn POST /stats/reset | Out-Null
        $again = Publish-X0Release -Path $repo @Gh -SkipTests -Draft
        ($again.Steps | Where-Object Name -eq 'GitHub Release').Status | Should -Be 'AlreadyDone'
        (Get-Stats).mutations | Should -Be 0

        $published = Publish-X0Release -Path $repo @Gh -SkipTests
        ($published.Steps | Where-Object Name -eq 'GitHub Release').Status | Should -Be 'Done'
        $published.Draft | Should -BeFalse
        (Get-Truth)[0].draft | Should -BeFalse
        Get-RouteCount 'PATCH /repos/octo/sample/releases/:id' | Should -Be 2 -Because 'one PATCH takes the draft over (its lease), one publishes it'
        Get-RouteCount 'POST /repos/octo/sample/releases/:id/assets' | Should -Be 0
    }

    It 'a pre-release version makes a pre-release with its PEP 440 packages' {
        $repo = New-BumpedProject 'rc' -PreRelease
        $release = Publish-X0Release -Path $repo @Gh -SkipTests
        $release.Succeeded | Should -BeTrue
        $release.Tag | Should -Be 'v3.3.0-rc.1'
        $release.Prerelease | Should -BeTrue
        $truth = Get-Truth
        $truth[0].tag_name | Should -Be 'v3.3.0-rc.1'
        $truth[0].prerelease | Should -BeTrue
        @($truth[0].assets.name | Sort-Object) | Should -Be @('SHA256SUMS', 'x0tta6bl4-3.3.0rc1-py3-none-any.whl', 'x0tta6bl4-3.3.0rc1.tar.gz')
    }

    It 'writes release-url, version and tag to $GITHUB_OUTPUT, a step table to the summary, and masks the token (GitHub Actions)' {
        $repo = New-BumpedProject 'actions'
        $dir = New-X0TempDirectory 'actions'
        $outputs = Join-Path $dir 'output.txt'
        $summary = Join-Path $dir 'summary.md'
        New-Item -ItemType File $outputs, $summary | Out-Null
        $env:GITHUB_ACTIONS = 'true'
        $env:GITHUB_OUTPUT = $outputs
        $env:GITHUB_STEP_SUMMARY = $summary
        try {
            $child = Invoke-X0ChildPwsh -Script $ChildScript -Arguments @('-ModulePath', (Get-X0ModulePath), '-Path', $repo, '-Repository', $Repository, '-ApiUrl', $StandIn.ApiUrl, '-ResultPath', (Join-Path $dir 'result.json'), '-SkipTests')
        } finally {
            $env:GITHUB_ACTIONS = $null; $env:GITHUB_OUTPUT = $null; $env:GITHUB_STEP_SUMMARY = $null
        }
        $child.ExitCode | Should -Be 0 -Because $child.Output
        $lines = Get-Content $outputs
        $lines | Should -Contain "release-url=https://github.com/$Repository/releases/tag/v3.3.0"
        $lines | Should -Contain 'version=3.3.0'
        $lines | Should -Contain 'tag=v3.3.0'
        $text = Get-Content -Raw $summary
        $text | Should -Match '### Publish-X0Release v3\.3\.0'
        $text | Should -Match ([regex]::Escape("[v3.3.0](https://github.com/$Repository/releases/tag/v3.3.0)"))
        $text | Should -Match '\| GitHub Release \| Done \|'
        $text | Should -Match '\| Gates \| Skipped \|'
        $text | Should -Not -Match $Token
        # The token is masked before its first use: the mask command is the one place it may appear.
        $maskLines = @($child.Output -split "`n" | Where-Object { $_ -match [regex]::Escape($Token) })
        $maskLines | Should -Be @("::add-mask::$Token")
    }

    It 'never shows the canary token: a release and forced <Status> answers with -Verbose -Debug, $Error, transcript, release folder and run store' -ForEach @(
        @{ Status = 401; Id = 'X0.GitHubAuthenticationFailed' }
        @{ Status = 403; Id = 'X0.GitHubPermissionDenied' }
        @{ Status = 422; Id = 'X0.GitHubRequestInvalid' }
        @{ Status = 500; Id = 'X0.GitHubServerError' }
    ) {
        # -WarningAction Continue: with -Debug, PowerShell asks before each warning of a compiled cmdlet (no prompt in CI).
        $canary = 'ghp_CANARY' + (-join ((65..90) + (97..122) + (48..57) | Get-Random -Count 26 | ForEach-Object { [char]$_ }))
        Invoke-X0StandIn POST /tokens @{ token = $canary; permissions = @{ contents = 'write' } } | Out-Null
        $env:GITHUB_TOKEN = $null
        $secure = ConvertTo-SecureString $canary -AsPlainText -Force
        $repo = New-BumpedProject "canary$Status"
        $headers = if ($Status -ge 500) { @{ 'retry-after' = '0' } } else { @{} }
        $hostile = @{ message = "denied for token $canary"; documentation_url = 'https://docs.github.com/rest' }
        $transcript = Join-Path $StateDir "release-transcript-$Status.txt"
        $Error.Clear()
        Start-Transcript -Path $transcript | Out-Null
        try {
            $raw = & {
                # Forced answers on the first call (the permission check) ...
                Invoke-X0StandIn POST /faults @{ path = '/repos/'; status = $Status; headers = $headers; body = $hostile; times = -1 } | Out-Null
                Publish-X0Release -Path $repo @Gh -Token $secure -Verbose -Debug -ErrorAction Continue -WarningAction Continue
                Invoke-X0StandIn DELETE /faults | Out-Null
                # ... and on the writes, after the draft exists (create, then every upload).
                Invoke-X0StandIn POST /faults @{ method = 'POST'; path = '/assets\?'; status = $Status; headers = $headers; body = $hostile; times = -1 } | Out-Null
                Publish-X0Release -Path $repo @Gh -Token $secure -Verbose -Debug -ErrorAction Continue -WarningAction Continue
                Invoke-X0StandIn DELETE /faults | Out-Null
                # ... and a release that succeeds with it.
                Publish-X0Release -Path $repo @Gh -Token $secure -Verbose -Debug -ErrorAction Continue -WarningAction Continue
            } *>&1
        } finally {
            Stop-Transcript | Out-Null
            Invoke-X0StandIn DELETE /faults | Out-Null
        }
        $all = $raw | Out-String -Width 500
        $released = @($raw | Where-Object { $_ -is [X0tta6bl4.Models.X0Release] })

        @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -like "$Id,*" }).Count | Should -BeGreaterOrEqual 1 -Because ($Error | Out-String)
        (Get-Truth)[0].draft | Should -BeFalse -Because 'the last run published'
        $all | Should -Match ([regex]::Escape('***'))
        $all | Should -Not -Match $canary
        # Every property of the output objects, not only what the default view shows.
        @($released).Count | Should -Be 3
        ($released | ConvertTo-Json -Depth 6) | Should -Not -Match $canary
        ($Error | Out-String -Width 500) | Should -Not -Match $canary
        foreach ($e in $Error) {
            if ($e -is [System.Management.Automation.ErrorRecord]) {
                "$($e.Exception) $($e.Exception.InnerException) $($e.ErrorDetails) $($e.TargetObject) $($e.ErrorDetails.RecommendedAction)" | Should -Not -Match $canary
            }
        }
        Get-Content -Raw $transcript | Should -Not -Match $canary
        foreach ($file in @(Get-ChildItem $repo -Recurse -File -Force) + @(Get-ChildItem $StateDir -Recurse -File)) {
            [System.IO.File]::ReadAllText($file.FullName, [System.Text.Encoding]::Latin1) | Should -Not -Match $canary -Because $file.FullName
        }
    }

    It 'sent nothing and answered nothing that breaks GitHub''s published contract' {
        Get-X0StandInContractErrors | Should -BeNullOrEmpty
    }
}
