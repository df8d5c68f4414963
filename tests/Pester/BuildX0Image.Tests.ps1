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

    function Find-CanaryBytes([string] $Path, [string[]] $Needle) {
        # Files under $Path holding any needle as UTF-8 or UTF-16 bytes.
        :files foreach ($file in Get-ChildItem -LiteralPath $Path -Recurse -File -Force) {
            $latin1 = [System.Text.Encoding]::Latin1.GetString([System.IO.File]::ReadAllBytes($file.FullName))
            foreach ($n in $Needle) {
                foreach ($encoding in [System.Text.Encoding]::UTF8, [System.Text.Encoding]::Unicode) {
                    if ($latin1.Contains([System.Text.Encoding]::Latin1.GetString($encoding.GetBytes($n)), [StringComparison]::Ordinal)) { $file.FullName; continue files }
                }
            }
        }
    }

    function Find-CanaryFragment([string] $Text, [string] $Secret, [int] $Length = 12) {
        # Any $Length-character piece of $Secret in $Text: a secret cut in two by a truncation still leaks.
        for ($i = 0; $i -le $Secret.Length - $Length; $i++) {
            $piece = $Secret.Substring($i, $Length)
            if ($Text.Contains($piece, [StringComparison]::Ordinal)) { return $piece }
        }
    }

    function Start-HostileRegistry {
        <# A registry on 127.0.0.1 that asks for Basic credentials and answers the request that carries them
           with -Status and a body echoing the header and the decoded password (the password where a
           300-character cut of the body would halve it). -Refuse client: the module's own requests get
           that answer; engine: the module's checks pass and the Docker engine's push gets it. #>
        param([Parameter(Mandatory)] [int] $Status, [Parameter(Mandatory)] [ValidateSet('client', 'engine')] [string] $Refuse)
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        $seen = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        $ps = [powershell]::Create()
        [void]$ps.AddScript({
                param($Listener, $Status, $Refuse, $Seen)
                while ($Listener.IsListening) {
                    try { $ctx = $Listener.GetContext() } catch { break }
                    $req = $ctx.Request; $res = $ctx.Response
                    try {
                        $auth = $req.Headers['Authorization']
                        $module = "$($req.UserAgent)" -like 'x0tta6bl4*'
                        $Seen.Enqueue("$(if ($module) { 'module' } else { 'engine' }) $($req.HttpMethod) $($req.Url.AbsolutePath) $(if ($auth) { 'with Authorization' } else { 'anonymous' })")
                        $res.AddHeader('Docker-Distribution-API-Version', 'registry/2.0')
                        $text = ''
                        if (-not $auth) {
                            $res.StatusCode = 401
                            $res.AddHeader('WWW-Authenticate', 'Basic realm="x0-hostile"')
                            $res.ContentType = 'application/json'
                            $text = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}'
                        } elseif ($module -and $Refuse -eq 'engine') {
                            # Let the module's checks through: the ping, an upload session opened and cancelled, no tags yet.
                            $path = $req.Url.AbsolutePath
                            if ($req.HttpMethod -eq 'POST' -and $path -like '*/blobs/uploads/') {
                                $res.StatusCode = 202; $res.AddHeader('Location', "$path$([guid]::NewGuid())")
                            } elseif ($req.HttpMethod -eq 'DELETE') { $res.StatusCode = 204 }
                            elseif ($path -eq '/v2/') { $res.StatusCode = 200; $text = '{}'; $res.ContentType = 'application/json' }
                            else { $res.StatusCode = 404; $res.ContentType = 'application/json'; $text = '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' }
                        } elseif (-not $module -and $req.HttpMethod -eq 'HEAD') {
                            $res.StatusCode = 404   # no such blob: the engine goes on to upload, and hears the refusal with a body
                        } else {
                            $decoded = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(($auth -split ' ', 2)[1]))
                            $password = ($decoded -split ':', 2)[1]
                            $res.StatusCode = $Status
                            if ($Status -eq 401) { $res.AddHeader('WWW-Authenticate', 'Basic realm="x0-hostile"') }
                            if ($Status -in 401, 403) {
                                # The registry error schema: the engine does not retry UNAUTHORIZED or DENIED.
                                $head = "{`"errors`":[{`"code`":`"$(if ($Status -eq 401) { 'UNAUTHORIZED' } else { 'DENIED' })`",`"message`":`"refused: you sent $auth, that is $decoded; "
                                $tail = '"}]}'; $res.ContentType = 'application/json'
                            } else {
                                # Plain text: the engine does not retry a 4xx body it cannot parse, and shows it.
                                $head = "refused: you sent $auth, that is $decoded; "
                                $tail = ''; $res.ContentType = 'text/plain'
                            }
                            $text = $head + ('.' * [Math]::Max(0, 284 - $head.Length)) + $password + $tail
                        }
                        if ($text) {
                            $bytes = [Text.Encoding]::UTF8.GetBytes($text)
                            if ($req.HttpMethod -ne 'HEAD') { $res.OutputStream.Write($bytes, 0, $bytes.Length) }
                        }
                    } catch {
                        $Seen.Enqueue("server error: $_")
                        try { $res.StatusCode = 500 } catch { }
                    } finally {
                        try { $res.Close() } catch { }
                    }
                }
            }).AddArgument($listener).AddArgument($Status).AddArgument($Refuse).AddArgument($seen)
        $async = $ps.BeginInvoke()
        [pscustomobject]@{ Registry = "127.0.0.1:$port"; Listener = $listener; PowerShell = $ps; Async = $async; Seen = $seen }
    }
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

    It '-WhatIf checks everything, writes the planned image object and builds and pushes nothing' {
        $repository = New-Repo 'whatif'
        $before = @(Invoke-X0TestDocker image ls -q).Count
        $planned = Build-X0Image -Version 3.3.0 -Target dev -Repository $repository -BuildArg @{ BASE_IMAGE = $Base } -Platform linux/amd64 -Push -Credential $Cred -WhatIf 6>$null
        @(Invoke-X0TestDocker image ls -q).Count | Should -Be $before
        Get-X0RegistryDigest $repository '3.3.0' | Should -BeNullOrEmpty

        $planned | Should -BeOfType ([X0tta6bl4.Models.X0Image])
        $planned.Status | Should -Be 'Planned'
        $planned.Id | Should -BeNullOrEmpty
        $planned.Pushed | Should -BeFalse
        $planned.Target | Should -Be 'dev'
        $planned.Platforms | Should -Be @('linux/amd64')
        $planned.Builder | Should -Be 'BuildKit'
        $sha = (Invoke-Git $Repo rev-parse HEAD).Substring(0, 7)
        $planned.Tags | Should -Be @('3.3.0', 'v3.3.0', '3.3', '3', 'latest', "sha-$sha")
        ($planned.TagPlan | Where-Object Tag -eq '3.3').Reason | Should -Be 'floating minor of a final release'
        ($planned.TagPlan | Where-Object Tag -eq 'latest').Registry | Should -Be 'New' -Because 'the registry was read under -WhatIf'
        $planned.Labels['org.opencontainers.image.version'] | Should -Be '3.3.0'
        $planned.Labels['org.opencontainers.image.revision'] | Should -Be (Invoke-Git $Repo rev-parse HEAD)
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

    It 'never shows the canary password when <Name>: -Verbose -Debug, $Error, transcript, build context, docker config and run store' -ForEach @(
        @{ Name = 'the test registry refuses it (401)'; Status = 401; Refuse = $null; Id = 'X0.RegistryAuthenticationFailed' }
        @{ Name = 'a registry answers the credential check with 401, echoing it'; Status = 401; Refuse = 'client'; Id = 'X0.RegistryAuthenticationFailed' }
        @{ Name = 'a registry answers the credential check with 403, echoing it'; Status = 403; Refuse = 'client'; Id = 'X0.RegistryPermissionDenied' }
        @{ Name = 'a registry answers the credential check with 422, echoing it'; Status = 422; Refuse = 'client'; Id = 'X0.RegistryProtocolError' }
        @{ Name = 'a registry answers the credential check with 500, echoing it'; Status = 500; Refuse = 'client'; Id = 'X0.RegistryProtocolError' }
        @{ Name = 'a registry answers the engine''s push with 401, echoing it'; Status = 401; Refuse = 'engine'; Id = 'X0.RegistryAuthenticationFailed' }
        @{ Name = 'a registry answers the engine''s push with 403, echoing it'; Status = 403; Refuse = 'engine'; Id = 'X0.RegistryPermissionDenied' }
        @{ Name = 'a registry answers the engine''s push with 422, echoing it'; Status = 422; Refuse = 'engine'; Id = 'X0.ImagePushFailed' }
        # No engine 500: the engine retries a 5xx for about a minute and shows only its status line.
    ) {
        $canary = 'canary-' + (-join ((65..90) + (97..122) + (48..57) | Get-Random -Count 26 | ForEach-Object { [char]$_ }))
        $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$($Env.User):$canary"))
        $bad = [pscredential]::new($Env.User, (ConvertTo-SecureString $canary -AsPlainText -Force))
        $stateDir = New-X0TempDirectory 'image-canary-state'
        # A docker configuration of the test's own: the module must not write the password into it.
        $dockerConfig = New-X0TempDirectory 'image-canary-docker'
        '{ "auths": {} }' | Set-Content (Join-Path $dockerConfig 'config.json')
        $configHash = (Get-FileHash (Join-Path $dockerConfig 'config.json')).Hash
        $server = if ($Refuse) { Start-HostileRegistry -Status $Status -Refuse $Refuse }
        $repository = if ($server) { "$($server.Registry)/x0/canary" } else { New-Repo 'canary' }
        $saved = @{ X0_STATE_DIR = $env:X0_STATE_DIR; DOCKER_CONFIG = $env:DOCKER_CONFIG }
        $env:X0_STATE_DIR = $stateDir; $env:DOCKER_CONFIG = $dockerConfig
        $transcript = Join-Path $stateDir 'transcript.txt'
        $Error.Clear()
        Start-Transcript -Path $transcript | Out-Null
        try {
            # -WarningAction Continue: on a compiled cmdlet -Debug alone makes warnings prompt.
            $all = Build-X0Image -Target dev -Repository $repository -BuildArg @{ BASE_IMAGE = $Base } -Push -Credential $bad -Verbose -Debug -WarningAction Continue -ErrorAction SilentlyContinue -ErrorVariable err *>&1 | Out-String -Width 500
        } finally {
            Stop-Transcript | Out-Null
            if ($server) { Stop-X0TestListener $server }
            foreach ($k in $saved.Keys) { Set-Item "env:$k" -Value $saved[$k] }
        }

        $err | Should -Not -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*" -Because ($err | Out-String)
        if ($server) {
            $who = if ($Refuse -eq 'engine') { 'engine' } else { 'module' }
            @($server.Seen) -like "$who * with Authorization" | Should -Not -BeNullOrEmpty -Because "the $who must have sent the password ($(@($server.Seen) -join '; '))"
            "$($err[0])" | Should -Match ([regex]::Escape('***')) -Because 'the echoed password reached the message, masked'
        }
        $texts = @($all, ($err | Out-String -Width 500), ($Error | Out-String -Width 500), (Get-Content -Raw $transcript))
        foreach ($e in @($Error) + @($err)) {
            if ($e -is [System.Management.Automation.ErrorRecord]) {
                $texts += "$($e.Exception) $($e.Exception.InnerException) $($e.ErrorDetails) $($e.TargetObject) $($e.ErrorDetails.RecommendedAction)"
            }
        }
        foreach ($text in $texts) {
            $text | Should -Not -Match $canary
            $text | Should -Not -Match ([regex]::Escape($basic))
            Find-CanaryFragment $text $canary | Should -BeNullOrEmpty -Because 'no piece of the password may show either'
        }
        (Get-FileHash (Join-Path $dockerConfig 'config.json')).Hash | Should -Be $configHash
        $needles = $canary, $basic
        Find-CanaryBytes $dockerConfig $needles | Should -BeNullOrEmpty
        Find-CanaryBytes $Repo $needles | Should -BeNullOrEmpty -Because 'the build context (and its .git)'
        Find-CanaryBytes $TestDrive $needles | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $stateDir 'pending') -Filter *.json | Should -Not -BeNullOrEmpty -Because 'the refused build is recorded (in the run store''s journal)'
        Find-CanaryBytes $stateDir $needles | Should -BeNullOrEmpty -Because 'the run store'
        if (-not $server) {
            # (A hostile registry's own echo lands in the engine's log, out of the module's reach.)
            foreach ($log in Get-ChildItem $Env.Root -File | Where-Object Extension -in '.log', '.out') {
                Find-CanaryBytes $log.FullName $needles | Should -BeNullOrEmpty -Because 'the engine''s and registry''s logs'
            }
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

Describe 'Build-X0Image with BuildKit' -Skip:$NoDocker {
    BeforeAll {
        $script:Work = New-X0TempDirectory 'buildkit'
        Copy-Item (Get-Command busybox).Source (Join-Path $Work 'busybox')
        # The issue's Dockerfile: a cache mount, a secret mount, and (Docker 20.10 has no heredocs) the
        # heredoc's content written with printf.
        @'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN --mount=type=cache,target=/root/.cache/pip sh -c 'echo wheel >> /root/.cache/pip/log; wc -l < /root/.cache/pip/log > /pip-runs'
RUN --mount=type=secret,id=pypi_token sh -c 'test -s /run/secrets/pypi_token && sha256sum /run/secrets/pypi_token | cut -c1-64 > /token.sha256'
RUN printf '[global]\nindex-url = https://pypi.example/simple\n' > /etc/pip.conf
'@ | Set-Content (Join-Path $Work 'Dockerfile')
    }

    It 'builds and pushes cache and secret mounts; the secret is in no layer, history, stream, transcript or run store' {
        $canary = 'pypi-canary-' + (-join ((65..90) + (97..122) + (48..57) | Get-Random -Count 24 | ForEach-Object { [char]$_ }))
        $repository = New-Repo 'bk'
        $stateDir = New-X0TempDirectory 'bk-state'
        $transcript = Join-Path $stateDir 'transcript.txt'
        $saved = @{ X0_STATE_DIR = $env:X0_STATE_DIR; X0_BK_CANARY = $env:X0_BK_CANARY }
        $env:X0_STATE_DIR = $stateDir; $env:X0_BK_CANARY = $canary
        Start-Transcript -Path $transcript | Out-Null
        try {
            $all = Build-X0Image -Path $Work -Repository $repository -Tag 'v1' -Secret @{ pypi_token = 'env:X0_BK_CANARY' } -NoCache -Push -Credential $Cred -Verbose -Debug -WarningAction Continue *>&1 |
                Tee-Object -Variable stream | Out-String -Width 500
        } finally {
            Stop-Transcript | Out-Null
            foreach ($k in $saved.Keys) { Set-Item "env:$k" -Value $saved[$k] }
        }
        $image = $stream | Where-Object { $_ -is [X0tta6bl4.Models.X0Image] }
        $image.Status | Should -Be 'Pushed'
        $image.Builder | Should -Be 'BuildKit'
        $image.Secrets | Should -Be @('pypi_token')
        $image.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        Get-X0RegistryDigest $repository 'v1' | Should -Be $image.Digest
        $all | Should -Match 'RUN --mount=type=secret' -Because 'BuildKit steps are reported'

        # The step had the secret: its digest is in the image. Then: every layer tarball, the config, the history.
        $export = New-X0TempDirectory 'bk-export'
        Invoke-X0TestDocker save -o (Join-Path $export 'image.tar') "${repository}:v1" | Out-Null
        & tar -xf (Join-Path $export 'image.tar') -C $export
        $layers = @(Get-ChildItem $export -Recurse -Filter layer.tar)
        $layers.Count | Should -BeGreaterOrEqual 4
        foreach ($layer in $layers) {
            $dir = Join-Path $layer.DirectoryName 'rootfs'
            New-Item -ItemType Directory -Force $dir | Out-Null
            & tar -xf $layer.FullName -C $dir 2>$null
        }
        $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($canary))).ToLowerInvariant()
        (Get-ChildItem $export -Recurse -Filter token.sha256 | Get-Content -Raw).Trim() | Should -Be $hash
        (Get-ChildItem $export -Recurse -Filter pip.conf | Get-Content -Raw) | Should -Match 'index-url'
        Find-CanaryBytes $export @($canary) | Should -BeNullOrEmpty -Because 'no layer, manifest or config holds the secret'
        (Invoke-X0TestDocker history --no-trunc "${repository}:v1" | Out-String) | Should -Not -Match $canary
        foreach ($text in $all, (Get-Content -Raw $transcript)) { $text | Should -Not -Match $canary }
        Find-CanaryBytes $stateDir @($canary) | Should -BeNullOrEmpty -Because 'the run store''s journal'
        # Listing the history folds the journal into the database: the canary must not be there either.
        $env:X0_STATE_DIR = $stateDir
        try { @(Get-X0Run -Local -First 5).Count | Should -BeGreaterThan 0 } finally { $env:X0_STATE_DIR = $saved.X0_STATE_DIR }
        Test-Path (Join-Path $stateDir 'x0tta6bl4.db') | Should -BeTrue
        Find-CanaryBytes $stateDir @($canary) | Should -BeNullOrEmpty -Because 'the run store'
    }

    It 'a missing secret variable is refused before anything is built' {
        { Build-X0Image -Path $Work -Repository (New-Repo 'bk-missing') -Tag t -Secret @{ pypi_token = 'env:X0_NOT_SET_ANYWHERE' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'X0.ImageSecretMissing,X0tta6bl4.Commands.BuildX0ImageCommand'
    }

    It 'a heredoc on Docker 20.10 is a plain error naming the line and the fix, also under -WhatIf' {
        $dir = New-X0TempDirectory 'bk-heredoc'
        "FROM scratch`nRUN <<EOT`necho hi > /greeting`nEOT`n" | Set-Content (Join-Path $dir 'Dockerfile')
        $engine = Invoke-X0TestDocker version --format '{{.Server.Version}}'
        if ([int]($engine -split '\.')[0] -ge 23) { Set-ItResult -Skipped -Because "Docker $engine parses heredocs"; return }
        foreach ($whatIf in $false, $true) {
            { Build-X0Image -Path $dir -Repository (New-Repo 'bk-heredoc') -Tag t -WhatIf:$whatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'X0.DockerfileSyntaxUnsupported,X0tta6bl4.Commands.BuildX0ImageCommand'
            $Error[0].Exception.Message | Should -Match 'line 2 \(RUN <<EOT\)'
            $Error[0].Exception.Message | Should -Match '# syntax=docker/dockerfile:1'
        }
    }

    It 'a failing RUN step is an error with the step and its last output lines' {
        $dir = New-X0TempDirectory 'bk-fail'
        Copy-Item (Join-Path $Work 'busybox') $dir
        "FROM scratch`nCOPY busybox /bin/busybox`nRUN [`"/bin/busybox`", `"sh`", `"-c`", `"echo collecting; echo 'E   assert 2 == 3' >&2; exit 1`"]`n" | Set-Content (Join-Path $dir 'Dockerfile')
        { Build-X0Image -Path $dir -Repository (New-Repo 'bk-fail') -Tag t -ErrorAction Stop } |
            Should -Throw -ErrorId 'X0.ImageBuildFailed,X0tta6bl4.Commands.BuildX0ImageCommand'
        $message = $Error[0].Exception.Message
        $message | Should -Match '\[2/2\] RUN \["/bin/busybox"'
        $message | Should -Match 'exit code: 1'
        $message | Should -Match '\| E   assert 2 == 3'
    }

    It 'two platforms become one pushed manifest list; without -Push that is a plain error' {
        { Build-X0Image -Path $Work -Repository (New-Repo 'bk-multi') -Tag t -Platform linux/amd64, linux/arm64 -ErrorAction Stop } |
            Should -Throw -ErrorId 'X0.ImagePlatformUnsupported,X0tta6bl4.Commands.BuildX0ImageCommand'
        $Error[0].Exception.Message | Should -Match 'linux/amd64 \+ linux/arm64'
        $Error[0].Exception.Message | Should -Match '-Push'

        $dir = New-X0TempDirectory 'bk-multi'
        Copy-Item (Join-Path $Work 'busybox') $dir
        "FROM scratch`nCOPY busybox /bin/busybox`n" | Set-Content (Join-Path $dir 'Dockerfile')
        $repository = New-Repo 'bk-multi'
        $image = Build-X0Image -Path $dir -Repository $repository -Tag 1.0 -Platform linux/amd64, linux/arm64 -Push -Credential $Cred
        $image.Status | Should -Be 'Pushed'
        $image.Platforms | Should -Be @('linux/amd64', 'linux/arm64')
        $image.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$($Env.User):$($Env.Password)"))
        $registry, $path = $repository -split '/', 2
        $list = Invoke-RestMethod "http://$registry/v2/$path/manifests/1.0" -Headers @{ Authorization = "Basic $basic"; Accept = 'application/vnd.docker.distribution.manifest.list.v2+json' }
        $list.manifests.platform.architecture | Should -Be @('amd64', 'arm64')
    }
}

Describe 'Build-X0Image help and metadata' {
    It 'has help with examples and documents every parameter' {
        $help = Get-Help Build-X0Image -Full
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        (Get-Command Build-X0Image).OutputType.Name | Should -Contain 'X0tta6bl4.Models.X0Image'
    }
}
