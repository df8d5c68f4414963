#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Get-X0Run, Get-X0RunLog and Wait-X0Run against the GitHub stand-in, behind prism checking every
# request and response against GitHub's published OpenAPI description.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../StandIns/StandIns.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force

    $script:StandIn = Start-X0GitHubStandIn
    $script:SavedEnv = @{ GITHUB_API_URL = $env:GITHUB_API_URL; GITHUB_TOKEN = $env:GITHUB_TOKEN; GH_TOKEN = $env:GH_TOKEN; X0_STATE_DIR = $env:X0_STATE_DIR }
    $env:GITHUB_API_URL = $StandIn.ApiUrl
    $env:GH_TOKEN = $null
    $script:StateDir = New-X0TempDirectory 'state'
    $env:X0_STATE_DIR = $StateDir
    $script:Canary = 'ghp_CANARY' + (-join ((65..90) + (97..122) + (48..57) | Get-Random -Count 26 | ForEach-Object { [char]$_ }))
    $env:GITHUB_TOKEN = $Canary
    Invoke-X0StandIn POST /tokens @{ token = $Canary; permissions = @{ actions = 'read' } } | Out-Null

    $script:Repo = 'octo/sample'
    Invoke-X0StandIn POST "/repos/$Repo/seed" @{ count = 2500; seed = 7; inProgress = 3 } | Out-Null
    $script:Failing = Invoke-X0StandIn POST "/repos/$Repo/runs" @{
        title = 'fix: resolve deadlock in executor'; branch = 'main'; event = 'push'; conclusion = 'failure'; actor = 'monalisa'
        jobs  = @(
            @{ name = 'lint'; conclusion = 'success'; steps = @(@{ name = 'Set up job' }, @{ name = 'Run flake8'; log = @('0 errors') }) }
            @{ name = 'test (3.12)'; conclusion = 'failure'; steps = @(
                    @{ name = 'Set up job'; log = @('Runner: ubuntu-24.04') }
                    @{ name = 'Run pytest'; conclusion = 'failure'; log = @('collected 67 items', 'E   AssertionError: deadlock detected after 5.0s', '##[error]Process completed with exit code 1.') }
                    @{ name = 'Complete job'; conclusion = 'skipped' }) }
        )
    }
    # Invoke-RestMethod returns a JSON array as one object: unroll it.
    $script:Truth = @((Invoke-X0StandIn GET "/repos/$Repo/runs") | ForEach-Object { $_ })

    function Get-Ids($runs) { @($runs | ForEach-Object { [long]$_.Id }) }
    function Find-CanaryBytes([string] $Path, [string] $Secret) {
        # Files under $Path holding $Secret as raw UTF-8 or UTF-16 bytes, or as a Basic/Bearer base64 value.
        $needles = @($Secret, [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Secret)),
            [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("x-access-token:$Secret")))
        :files foreach ($file in Get-ChildItem -LiteralPath $Path -Recurse -File -Force) {
            $latin1 = [System.Text.Encoding]::Latin1.GetString([System.IO.File]::ReadAllBytes($file.FullName))
            foreach ($needle in $needles) {
                foreach ($encoding in [System.Text.Encoding]::UTF8, [System.Text.Encoding]::Unicode) {
                    if ($latin1.Contains([System.Text.Encoding]::Latin1.GetString($encoding.GetBytes($needle)), [StringComparison]::Ordinal)) { $file.FullName; continue files }
                }
            }
        }
    }
    function Get-TruthIds([scriptblock] $Where, [int] $First = [int]::MaxValue) {
        @($script:Truth | Where-Object $Where | Select-Object -First $First | ForEach-Object { [long]$_.id })
    }
}

AfterAll {
    foreach ($k in $script:SavedEnv.Keys) { Set-Item "env:$k" -Value $script:SavedEnv[$k] }
    Remove-Item "env:GITHUB_API_URL" -ErrorAction SilentlyContinue
    if ($script:SavedEnv.GITHUB_API_URL) { $env:GITHUB_API_URL = $script:SavedEnv.GITHUB_API_URL }
}

Describe 'Get-X0Run against the contract-checked GitHub stand-in' {
    BeforeEach {
        Invoke-X0StandIn DELETE /faults | Out-Null
        Invoke-X0StandIn POST /rate-limit @{ limit = 5000; remaining = 5000; resetInSeconds = 3600 } | Out-Null
    }

    It 'returns the 20 newest runs as X0Run objects, newest first, with a gh-like table view' {
        $runs = Get-X0Run -Repository $Repo
        $runs.Count | Should -Be 20
        $runs[0] | Should -BeOfType ([X0tta6bl4.Models.X0Run])
        Get-Ids $runs | Should -Be (Get-TruthIds { $true } 20)
        $runs[0].Source | Should -Be 'GitHub'
        $runs[0].Repository | Should -Be $Repo
        $runs[0].Url | Should -Match "/$Repo/actions/runs/$($Failing.id)$"
        $runs[0].Conclusion | Should -Be 'failure'
        $table = $runs | Select-Object -First 3 | Format-Table | Out-String -Width 200
        $table | Should -Match 'St\s+Title\s+Workflow\s+Branch\s+Event\s+Id\s+Elapsed\s+Age'
        $table | Should -Match "X\s+fix: resolve deadlock in executor\s+Tests\s+main\s+push\s+$($Failing.id)"
    }

    It 'filters by <Name> exactly like GitHub' -ForEach @(
        @{ Name = 'branch'; Params = @{ Branch = 'main' }; Where = { $_.head_branch -eq 'main' } }
        @{ Name = 'event'; Params = @{ Event = 'schedule' }; Where = { $_.event -eq 'schedule' } }
        @{ Name = 'conclusion'; Params = @{ Status = 'cancelled' }; Where = { $_.conclusion -eq 'cancelled' } }
        @{ Name = 'status'; Params = @{ Status = 'in_progress' }; Where = { $_.status -eq 'in_progress' } }
        @{ Name = 'actor'; Params = @{ Actor = 'hubot'; Branch = 'develop' }; Where = { $_.actor -eq 'hubot' -and $_.head_branch -eq 'develop' } }
        @{ Name = 'workflow file'; Params = @{ Workflow = 'docker.yml'; Event = 'push' }; Where = { $_.workflow_path -like '*/docker.yml' -and $_.event -eq 'push' } }
        @{ Name = 'workflow name'; Params = @{ Workflow = 'Release'; Status = 'failure' }; Where = { $_.workflow_name -eq 'Release' -and $_.conclusion -eq 'failure' } }
        @{ Name = 'workflow wildcard'; Params = @{ Workflow = 'Re*'; Branch = 'fix/executor-deadlock' }; Where = { $_.workflow_name -like 'Re*' -and $_.head_branch -eq 'fix/executor-deadlock' } }
        @{ Name = 'time window'; Params = @{ Since = [datetime]'2026-01-10T00:00:00Z'; Until = [datetime]'2026-01-12T23:59:59Z' }; Where = { [datetimeoffset]$_.created_at -ge [datetimeoffset]'2026-01-10T00:00:00Z' -and [datetimeoffset]$_.created_at -le [datetimeoffset]'2026-01-12T23:59:59Z' } }
    ) {
        $expected = Get-TruthIds $Where
        $expected.Count | Should -BeGreaterThan 0 -Because 'the seed must exercise the filter'
        $expected.Count | Should -BeLessThan 1000
        $runs = Get-X0Run -Repository $Repo @Params -First 1000 -WarningVariable warnings
        Get-Ids $runs | Should -Be $expected
        $warnings | Should -BeNullOrEmpty
        $runs | ForEach-Object { $_.Truncated | Should -BeFalse }
    }

    It 'filters by commit' {
        $sha = $Truth[42].head_sha
        $runs = Get-X0Run -Repository $Repo -Commit $sha
        Get-Ids $runs | Should -Be (Get-TruthIds { $_.head_sha -eq $sha })
    }

    It 'pages as far as -First needs, and -Skip skips' {
        Invoke-X0StandIn POST /stats/reset | Out-Null
        $runs = Get-X0Run -Repository $Repo -First 150
        $runs.Count | Should -Be 150
        $log = (Invoke-X0StandIn GET /stats).log
        @($log | Where-Object { $_ -like '*actions/runs*' }) | Should -Be @(
            "GET /repos/$Repo/actions/runs?per_page=100&page=1",
            "GET /repos/$Repo/actions/runs?per_page=100&page=2")
        Get-Ids (Get-X0Run -Repository $Repo -Skip 10 -First 5) | Should -Be ((Get-TruthIds { $true } 15) | Select-Object -Skip 10)
    }

    It 'reads every run when no capped filter is used' {
        $runs = Get-X0Run -Repository $Repo -First 5000
        $runs.Count | Should -Be $Truth.Count
        $runs[0].TotalCount | Should -Be $Truth.Count
        ($runs | Where-Object Truncated).Count | Should -Be 0
    }

    It 'detects the 1,000-result cap of a filtered listing: a warning and Truncated on every run' {
        $expected = Get-TruthIds { $_.conclusion -eq 'success' }
        $expected.Count | Should -BeGreaterThan 1000
        $runs = Get-X0Run -Repository $Repo -Status success -First 5000 -WarningVariable warnings
        $runs.Count | Should -Be 1000
        Get-Ids $runs | Should -Be ($expected | Select-Object -First 1000)
        ($runs | Where-Object { -not $_.Truncated }).Count | Should -Be 0
        $runs[0].TotalCount | Should -Be $expected.Count
        "$warnings" | Should -Match '1,000'
        "$warnings" | Should -Match "$($expected.Count.ToString('N0'))"
        (Get-X0Run -Repository $Repo -Status success -First 10 -IncludeTotalCount | Select-Object -First 1) | Should -Match ([string]$expected.Count)
    }

    It 'revalidates a repeated query with ETags: 304s, no rate limit spent, the same objects' {
        # A fresh store: the earlier tests' answers are cached in the shared one.
        $env:X0_STATE_DIR = New-X0TempDirectory 'etag-state'
        Invoke-X0StandIn POST /stats/reset | Out-Null
        $first = Get-X0Run -Repository $Repo -First 300
        $after1 = Invoke-X0StandIn GET /stats
        $after1.notModified | Should -Be 0
        $second = Get-X0Run -Repository $Repo -First 300
        $after2 = Invoke-X0StandIn GET /stats
        ($after2.notModified - $after1.notModified) | Should -Be 3
        $after2.rateLimitRemaining | Should -Be $after1.rateLimitRemaining
        # Duration of a running run grows with the clock; everything else must be identical.
        ($second | Select-Object Id, Name, Workflow, Status, Conclusion, Branch, Event, Commit, Actor, CreatedAt, UpdatedAt, Url | ConvertTo-Json) |
            Should -Be ($first | Select-Object Id, Name, Workflow, Status, Conclusion, Branch, Event, Commit, Actor, CreatedAt, UpdatedAt, Url | ConvertTo-Json)
        Test-Path (Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db') | Should -BeTrue -Because 'the ETags are kept in the local store'
        $env:X0_STATE_DIR = $StateDir
    }

    It 'warns and still lists runs when the store that keeps the ETags is read-only' {
        $env:X0_STATE_DIR = New-X0TempDirectory 'ro-state'
        Get-X0Run -Local | Out-Null   # creates the store
        $db = Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db'
        $isRoot = $IsLinux -and (& id -u) -eq '0'
        if ($isRoot) { & chattr +i $db } else { & chmod 0444 $db }
        try {
            $runs = Get-X0Run -Repository $Repo -First 150 -WarningVariable warnings -WarningAction SilentlyContinue
            $runs.Count | Should -Be 150
            "$warnings" | Should -Match 'ETags'
        } finally {
            if ($isRoot) { & chattr -i $db } else { & chmod 0644 $db }
            $env:X0_STATE_DIR = $StateDir
        }
    }

    It 'adds jobs with steps, and returns the failing step''s log lines as objects' {
        $run = Get-X0Run -Repository $Repo -Id $Failing.id -IncludeJobs
        $run.Jobs.Name | Should -Be @('lint', 'test (3.12)')
        $run.Jobs[1].Conclusion | Should -Be 'failure'
        $run.Jobs[1].Steps.Name | Should -Be @('Set up job', 'Run pytest', 'Complete job')
        $run.Jobs[1].Steps[1].Conclusion | Should -Be 'failure'

        $lines = $run | Get-X0RunLog -Failed
        $lines | Should -HaveCount 3
        $lines[0] | Should -BeOfType ([X0tta6bl4.Models.X0RunLogLine])
        ($lines | Select-Object -Unique Job, Step, StepNumber, Conclusion | ForEach-Object { "$($_.Job)|$($_.Step)|$($_.StepNumber)|$($_.Conclusion)" }) |
            Should -Be 'test (3.12)|Run pytest|2|failure'
        $lines.Line | Should -Be @(1, 2, 3)
        $lines[1].Text | Should -Be 'E   AssertionError: deadlock detected after 5.0s'
        $lines[1].Time | Should -Not -BeNullOrEmpty
        (Get-X0RunLog -Repository $Repo -Id $Failing.id -Job lint).Text | Should -Be '0 errors'
    }

    It 'reads a given attempt of a re-run run' {
        $rerun = $Truth | Where-Object run_attempt -eq 2 | Select-Object -First 1
        $rerun | Should -Not -BeNullOrEmpty -Because 'the seed re-runs about one run in ten'
        (Get-X0Run -Repository $Repo -Id $rerun.id).Attempt | Should -Be 2
        $first = Get-X0Run -Repository $Repo -Id $rerun.id -Attempt 1 -IncludeJobs
        $first.Attempt | Should -Be 1
        $first.Jobs.Count | Should -Be 2
        ($first.Jobs | ForEach-Object Attempt | Select-Object -Unique) | Should -Be 1
    }

    It 'splits an archive with one file per job by the steps'' times' {
        $run = Invoke-X0StandIn POST "/repos/$Repo/runs" @{
            title = 'job-level archive'; conclusion = 'failure'; logLayout = 'job'
            jobs  = @(@{ name = 'build'; conclusion = 'failure'; steps = @(
                        @{ name = 'Set up job'; log = @('setup 1', 'setup 2') }
                        @{ name = 'Compile'; conclusion = 'failure'; log = @('error CS1002: ; expected') }) })
        }
        $lines = Get-X0RunLog -Repository $Repo -Id $run.id -Failed
        $lines.Text | Should -Be @('error CS1002: ; expected')
        $lines[0].Step | Should -Be 'Compile'
        (Get-X0RunLog -Repository $Repo -Id $run.id).Step | Should -Be @('Set up job', 'Set up job', 'Compile')
    }

    It 'defaults to the repository of the origin remote of the current location' {
        $clone = New-X0GitRepository -Name 'clone'
        Invoke-Git $clone remote add origin "https://github.com/$Repo.git" | Out-Null
        Push-Location $clone
        try {
            $runs = Get-X0Run -First 3
        } finally { Pop-Location }
        $runs.Repository | Select-Object -Unique | Should -Be $Repo
        Get-Ids $runs | Should -Be (Get-Ids (Get-X0Run -Repository $Repo -First 3))
        $savedRepository = $env:GITHUB_REPOSITORY
        $env:GITHUB_REPOSITORY = $null
        Push-Location (New-X0TempDirectory 'nowhere')
        try {
            { Get-X0Run -First 1 -ErrorAction Stop } | Should -Throw -ErrorId 'X0.GitHubRepositoryUnknown,X0tta6bl4.Commands.GetX0RunCommand'
        } finally { Pop-Location; $env:GITHUB_REPOSITORY = $savedRepository }
    }

    It 'queries several repositories concurrently and keeps their order' {
        foreach ($n in 'a', 'b', 'c') { Invoke-X0StandIn POST "/repos/octo/$n/seed" @{ count = 40; seed = [int][char]$n } | Out-Null }
        $runs = 'octo/a', 'octo/b', 'octo/c' | Get-X0Run -First 10 -ThrottleLimit 3
        $runs.Count | Should -Be 30
        ($runs.Repository | Select-Object -Unique) | Should -Be @('octo/a', 'octo/b', 'octo/c')
    }

    It 'waits for the primary rate limit to reset when that is within -MaxWait' {
        Invoke-X0StandIn POST /rate-limit @{ limit = 5000; remaining = 0; resetInSeconds = 2 } | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $runs = Get-X0Run -Repository $Repo -First 5 -MaxWait 30 -WarningVariable warnings
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1
        $runs.Count | Should -Be 5
        "$warnings" | Should -Match 'primary rate limit'
        (Invoke-X0StandIn GET /stats).rateLimited | Should -BeGreaterThan 0
    }

    It 'stops with the reset time when the rate limit resets later than -MaxWait' {
        Invoke-X0StandIn POST /rate-limit @{ limit = 5000; remaining = 0; resetInSeconds = 3600 } | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        { Get-X0Run -Repository $Repo -First 5 -MaxWait 5 -ErrorAction Stop } | Should -Throw -ErrorId 'X0.GitHubRateLimited,X0tta6bl4.Commands.GetX0RunCommand'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $Error[0].Exception.Message | Should -Match 'UTC'
        $Error[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
    }

    It 'backs off on a secondary rate limit and retries a 502' {
        Invoke-X0StandIn POST /faults @{ method = 'GET'; path = 'actions/runs\?'; status = 403; headers = @{ 'retry-after' = '1' }; body = @{ message = 'You have exceeded a secondary rate limit.' }; times = 1 } | Out-Null
        Invoke-X0StandIn POST /faults @{ method = 'GET'; path = 'actions/runs\?'; status = 502; headers = @{ 'retry-after' = '0' }; body = @{ message = 'Server Error' }; times = 2 } | Out-Null
        $runs = Get-X0Run -Repository $Repo -First 5 -WarningVariable warnings
        $runs.Count | Should -Be 5
        (Invoke-X0StandIn GET /stats).faulted | Should -BeGreaterOrEqual 3
        "$warnings" | Should -Match 'secondary rate limit'
    }

    It 'follows a run to completion with Wait-X0Run' {
        $run = Invoke-X0StandIn POST "/repos/$Repo/runs" @{ title = 'in flight'; status = 'in_progress'; pollsUntilComplete = 3; pendingConclusion = 'success' }
        $final = Get-X0Run -Repository $Repo -Id $run.id | Wait-X0Run -Interval 0.2 -Timeout 30
        $final.Status | Should -Be 'completed'
        $final.Conclusion | Should -Be 'success'
        $late = Invoke-X0StandIn POST "/repos/$Repo/runs" @{ title = 'stuck'; status = 'queued'; pollsUntilComplete = 1000 }
        { Wait-X0Run -Repository $Repo -Id $late.id -Interval 0.2 -Timeout 1 -ErrorAction Stop } | Should -Throw -ErrorId 'X0.RunWaitTimeout,X0tta6bl4.Commands.WaitX0RunCommand'
    }

    It 'trims a token with a trailing newline and authenticates with it' {
        $env:GITHUB_TOKEN = $null
        try {
            $secure = ConvertTo-SecureString "$Canary`n" -AsPlainText -Force
            (Get-X0Run -Repository $Repo -First 1 -Token $secure).Count | Should -Be 1
            $credential = [pscredential]::new('ignored', (ConvertTo-SecureString $Canary -AsPlainText -Force))
            (Get-X0Run -Repository $Repo -First 1 -Credential $credential).Count | Should -Be 1
            { Get-X0Run -Repository $Repo -First 1 -ErrorAction Stop } | Should -Throw -ErrorId 'X0.GitHubAuthenticationFailed,X0tta6bl4.Commands.GetX0RunCommand'
        } finally { $env:GITHUB_TOKEN = $Canary }
    }

    It 'never shows the canary token: <Status> answers to Get-X0Run, Get-X0RunLog and Wait-X0Run with -Verbose -Debug, $Error, transcript and store' -ForEach @(
        @{ Status = 401; Id = 'X0.GitHubAuthenticationFailed' }
        @{ Status = 403; Id = 'X0.GitHubPermissionDenied' }
        @{ Status = 422; Id = 'X0.GitHubRequestInvalid' }
        @{ Status = 500; Id = 'X0.GitHubServerError' }
    ) {
        # A hostile answer that echoes the token back: it must still be masked everywhere.
        $headers = if ($Status -ge 500) { @{ 'retry-after' = '0' } } else { @{} }
        $hostile = @{ message = "denied for token $Canary"; documentation_url = 'https://docs.github.com/rest' }
        # Wait-X0Run follows a run that never completes: once refused on its first poll, once after a
        # good first poll (its ETag is then in the store) by the -Token given on the command line.
        $inflight = Invoke-X0StandIn POST "/repos/$Repo/runs" @{ title = "canary wait $Status"; status = 'in_progress'; pollsUntilComplete = 1000 }
        $secure = ConvertTo-SecureString $Canary -AsPlainText -Force
        Invoke-X0StandIn POST /faults @{ path = '/repos/'; status = $Status; headers = $headers; body = $hostile; times = -1 } | Out-Null
        $transcript = Join-Path $StateDir "transcript-$Status.txt"
        $Error.Clear()
        Start-Transcript -Path $transcript | Out-Null
        try {
            $all = & {
                Get-X0Run -Repository $Repo -First 3 -Verbose -Debug -ErrorAction Continue
                Get-X0Run -Repository $Repo -Id $Failing.id -IncludeJobs -Verbose -Debug -ErrorAction Continue
                Get-X0RunLog -Repository $Repo -Id $Failing.id -Failed -Verbose -Debug -ErrorAction Continue
                Wait-X0Run -Repository $Repo -Id $inflight.id -Interval 0.2 -Timeout 30 -IncludeJobs -Verbose -Debug -WarningAction Continue -ErrorAction Continue
                Invoke-X0StandIn DELETE /faults | Out-Null
                Invoke-X0StandIn POST /faults @{ path = "/actions/runs/$($inflight.id)"; after = 1; status = $Status; headers = $headers; body = $hostile; times = -1 } | Out-Null
                Wait-X0Run -Repository $Repo -Id $inflight.id -Token $secure -Interval 0.2 -Timeout 30 -IncludeJobs -Verbose -Debug -WarningAction Continue -ErrorAction Continue
            } *>&1 | Out-String -Width 500
        } finally { Stop-Transcript | Out-Null }
        Invoke-X0StandIn DELETE /faults | Out-Null

        @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -like "$Id,*" }).Count | Should -BeGreaterOrEqual 5
        @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -eq "$Id,X0tta6bl4.Commands.WaitX0RunCommand" }).Count |
            Should -Be 2 -Because 'both waits must have been refused by the forced answer'
        $all | Should -Match 'Poll 1: in_progress' -Because 'the second wait polled once before it was refused'
        $all | Should -Match ([regex]::Escape('***'))
        $all | Should -Not -Match $Canary
        ($Error | Out-String -Width 500) | Should -Not -Match $Canary
        foreach ($e in $Error) {
            if ($e -is [System.Management.Automation.ErrorRecord]) {
                "$($e.Exception) $($e.Exception.InnerException) $($e.ErrorDetails) $($e.TargetObject) $($e.ErrorDetails.RecommendedAction)" | Should -Not -Match $Canary
            }
        }
        Get-Content -Raw $transcript | Should -Not -Match $Canary
        foreach ($file in Get-ChildItem $StateDir -Recurse -File) {
            [System.IO.File]::ReadAllText($file.FullName, [System.Text.Encoding]::Latin1) | Should -Not -Match $Canary -Because $file.FullName
        }
        # The run store (Wait-X0Run keeps its ETags there), as bytes: the token raw (UTF-8, UTF-16) or base64 (Basic, Bearer).
        $db = Join-Path $StateDir 'x0tta6bl4.db'
        Test-Path $db | Should -BeTrue
        Find-CanaryBytes $db $Canary | Should -BeNullOrEmpty
        Find-CanaryBytes $StateDir $Canary | Should -BeNullOrEmpty
    }

    It 'keeps the canary out of the local run store when a recorded cmdlet gets it' {
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'canary' -WithRemote
        $change = Step-X0Version -Path $repo -Patch -Token (ConvertTo-SecureString $Canary -AsPlainText -Force)
        $change.Version | Should -Be '3.2.1'
        $recorded = Get-X0Run -Local -Repository $repo -First 1
        $recorded.Kind | Should -Be 'Version'
        ($recorded | Out-String) | Should -Not -Match $Canary
        foreach ($file in Get-ChildItem $StateDir -Recurse -File) {
            [System.IO.File]::ReadAllText($file.FullName, [System.Text.Encoding]::Latin1) | Should -Not -Match $Canary
        }
    }

    It 'refuses to read logs of a local run' {
        $local = Get-X0Run -Local -First 1
        $local | Should -Not -BeNullOrEmpty
        $local | Get-X0RunLog -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.RunSourceMismatch,*'
    }

    It 'sent nothing and answered nothing that breaks GitHub''s published contract' {
        Get-X0StandInContractErrors | Should -BeNullOrEmpty
    }
}
