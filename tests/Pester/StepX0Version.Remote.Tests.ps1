#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Step-X0Version and its remote: one ls-remote (tags, and the branch when pushing) runs while the
# local checks go on; its answers and errors must still come out exactly as if read in sequence.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath

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

    function Start-GitHttpRemote {
        <# Smart-HTTP git on 127.0.0.1: git http-backend behind an HttpListener in its own runspace. The
           request's Authorization header reaches the hooks as HTTP_AUTHORIZATION; with -Status the push
           (git-receive-pack) is answered with that status and a text body echoing the header, decoded. #>
        param([Parameter(Mandatory)] [string] $ProjectRoot, [int] $Status = 0)
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        $seen = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        $ps = [powershell]::Create()
        [void]$ps.AddScript({
                param($Listener, $ProjectRoot, $Status, $Seen)
                while ($Listener.IsListening) {
                    try { $ctx = $Listener.GetContext() } catch { break }
                    $req = $ctx.Request; $res = $ctx.Response
                    try {
                        $auth = $req.Headers['Authorization']
                        $Seen.Enqueue("$($req.HttpMethod) $($req.Url.PathAndQuery) $(if ($auth) { 'with Authorization' } else { 'anonymous' })")
                        if ($Status -and "$($req.Url.PathAndQuery)" -match 'git-receive-pack') {
                            $decoded = if ($auth -match '^\S+\s+(\S+)$') { [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Matches[1])) } else { '' }
                            $res.StatusCode = $Status
                            $res.ContentType = 'text/plain; charset=utf-8'
                            if ($Status -eq 401) { $res.AddHeader('WWW-Authenticate', 'Basic realm="x0"') }
                            $bytes = [Text.Encoding]::UTF8.GetBytes("push refused ($Status): you sent Authorization: $auth, that is $decoded`n")
                            $res.OutputStream.Write($bytes, 0, $bytes.Length)
                            continue
                        }
                        $psi = [System.Diagnostics.ProcessStartInfo]::new('git', 'http-backend')
                        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
                        $vars = @{ GIT_PROJECT_ROOT = $ProjectRoot; GIT_HTTP_EXPORT_ALL = '1'; REQUEST_METHOD = $req.HttpMethod; PATH_INFO = $req.Url.AbsolutePath
                            QUERY_STRING = $req.Url.Query.TrimStart('?'); CONTENT_TYPE = "$($req.ContentType)"; REMOTE_USER = 'x0-tester'; REMOTE_ADDR = '127.0.0.1'
                            HTTP_CONTENT_ENCODING = "$($req.Headers['Content-Encoding'])"; HTTP_GIT_PROTOCOL = "$($req.Headers['Git-Protocol'])"; HTTP_AUTHORIZATION = "$auth"
                        }
                        if ($req.ContentLength64 -ge 0) { $vars.CONTENT_LENGTH = "$($req.ContentLength64)" }
                        foreach ($k in $vars.Keys) { $psi.Environment[$k] = $vars[$k] }
                        $p = [System.Diagnostics.Process]::Start($psi)
                        $out = [System.IO.MemoryStream]::new()
                        $copy = $p.StandardOutput.BaseStream.CopyToAsync($out)
                        $null = $p.StandardError.ReadToEndAsync()
                        $req.InputStream.CopyTo($p.StandardInput.BaseStream)
                        $p.StandardInput.Close()
                        $copy.Wait(); $p.WaitForExit()
                        # CGI answer: headers, a blank line, the body.
                        $raw = $out.ToArray()
                        $text = [Text.Encoding]::Latin1.GetString($raw)
                        $end = $text.IndexOf("`r`n`r`n"); $skip = 4
                        if ($end -lt 0) { $end = $text.IndexOf("`n`n"); $skip = 2 }
                        foreach ($line in $text.Substring(0, $end) -split "`r?`n") {
                            $name, $value = $line -split ':\s*', 2
                            if ($name -eq 'Status') { $res.StatusCode = [int]($value -split ' ')[0] }
                            elseif ($name -eq 'Content-Type') { $res.ContentType = $value }
                            elseif ($name -notin 'Content-Length', 'Transfer-Encoding') { $res.AddHeader($name, $value) }
                        }
                        $res.OutputStream.Write($raw, $end + $skip, $raw.Length - $end - $skip)
                    } catch {
                        $Seen.Enqueue("server error: $_")
                        try { $res.StatusCode = 500 } catch { }
                    } finally {
                        try { $res.Close() } catch { }
                    }
                }
            }).AddArgument($listener).AddArgument($ProjectRoot).AddArgument($Status).AddArgument($seen)
        $async = $ps.BeginInvoke()
        [pscustomobject]@{ Url = "http://127.0.0.1:$port"; Listener = $listener; PowerShell = $ps; Async = $async; Seen = $seen }
    }
}

Describe 'Step-X0Version against its remote' {
    BeforeEach {
        $script:Repo = New-X0GitRepository -From $script:Sample -Name 'remote' -WithRemote
        $script:Origin = "$script:Repo-origin.git"
        Push-Location $script:Repo
    }
    AfterEach { Pop-Location }

    It 'refuses -Push when the branch is behind its remote, before changing anything' {
        $other = New-X0TempDirectory 'ahead'
        & git clone -q $Origin $other
        & git -C $other -c user.name=o -c user.email=o@e commit -q --allow-empty -m 'fix: someone else'
        & git -C $other push -q origin main
        $before = Get-X0TreeSnapshot $Repo

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.BranchBehindRemote,X0tta6bl4.Commands.StepX0VersionCommand'
        $Error[0].Exception.Message | Should -Match 'git pull --rebase origin main'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It 'pushes when the remote branch is behind the local one' {
        Invoke-Git $Repo commit -q --allow-empty -m 'feat: local work' | Out-Null
        $change = Step-X0Version -Minor -Push
        $change.Pushed | Should -BeTrue
        & git -C $Origin rev-parse main | Should -Be $change.Commit
    }

    It '-WhatIf with an unreachable remote warns, still plans the bump and changes nothing' {
        Invoke-Git $Repo remote set-url origin (Join-Path $Repo 'no-such-remote.git') | Out-Null
        $before = Get-X0TreeSnapshot $Repo

        $verbose = Step-X0Version -Minor -WhatIf -Verbose -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable errors 4>&1 | Out-String

        @($errors).Count | Should -Be 0
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match "Could not read tags from 'origin'"
        $verbose | Should -Match 'Version 3\.2\.0 → 3\.3\.0'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It '-Push with an unreachable remote fails before changing anything' {
        Invoke-Git $Repo remote set-url origin (Join-Path $Repo 'no-such-remote.git') | Out-Null
        $before = Get-X0TreeSnapshot $Repo

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.RemoteNotFound,X0tta6bl4.Commands.StepX0VersionCommand'
        $Error[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        Get-X0TreeSnapshot $Repo | Should -Be $before
    }

    It 'reports the local problem (dirty tree), not the remote one, when both exist' {
        Invoke-Git $Repo remote set-url origin (Join-Path $Repo 'no-such-remote.git') | Out-Null
        Add-Content -Path src/mape_k/loop.py -Value '# local edit'

        { Step-X0Version -Minor -Push -ErrorAction Stop } | Should -Throw -ErrorId 'X0.DirtyWorkingTree,X0tta6bl4.Commands.StepX0VersionCommand'
        Invoke-Git $Repo tag | Should -BeNullOrEmpty
    }

    It '-NoTag -Push reads only the branch and pushes the bump commit' {
        $change = Step-X0Version -Patch -NoTag -Push
        $change.Tag | Should -BeNullOrEmpty
        $change.Pushed | Should -BeTrue
        & git -C $Origin rev-parse main | Should -Be $change.Commit
        & git -C $Origin tag | Should -BeNullOrEmpty
    }

    It 'never shows the -Token canary when <Name> refuses -Push: -Verbose -Debug, $Error, .git/config and run store' -ForEach @(
        @{ Name = 'a local remote whose pre-receive hook prints its environment'; Http = $false; Status = 0 }
        @{ Name = 'an HTTP remote whose pre-receive hook prints the Authorization header'; Http = $true; Status = 0 }
        @{ Name = 'an HTTP remote answering 401 with the header echoed'; Http = $true; Status = 401 }
        @{ Name = 'an HTTP remote answering 403 with the header echoed'; Http = $true; Status = 403 }
        @{ Name = 'an HTTP remote answering 422 with the header echoed'; Http = $true; Status = 422 }
        @{ Name = 'an HTTP remote answering 500 with the header echoed'; Http = $true; Status = 500 }
    ) {
        $canary = 'ghp_CANARY' + (-join ((65..90) + (97..122) + (48..57) | Get-Random -Count 26 | ForEach-Object { [char]$_ }))
        $stateDir = New-X0TempDirectory 'canary-state'
        $saved = @{ X0_STATE_DIR = $env:X0_STATE_DIR; GITHUB_SERVER_URL = $env:GITHUB_SERVER_URL; GITHUB_TOKEN = $env:GITHUB_TOKEN; GH_TOKEN = $env:GH_TOKEN }
        $env:X0_STATE_DIR = $stateDir; $env:GITHUB_TOKEN = $null; $env:GH_TOKEN = $null
        # The hook prints what it was given: the header (HTTP) or git's own configuration variables
        # (local), decoded as well, then its whole environment; and refuses.
        $hook = @(
            '#!/bin/sh'
            'echo "pre-receive: refused by policy"'
            'for v in "$HTTP_AUTHORIZATION" "$GIT_CONFIG_VALUE_0" "$GIT_CONFIG_VALUE_1"; do'
            '  [ -n "$v" ] || continue'
            '  echo "you sent: $v"'
            '  echo "decoded: $(echo "$v" | sed ''s/^.* //'' | base64 -d 2>/dev/null)"'
            'done'
            'env | sort'
            'exit 1'
        ) -join "`n"
        $server = $null
        if ($Http) {
            $root = New-X0TempDirectory 'git-http'
            & git clone -q --bare $Origin (Join-Path $root 'sample.git')
            $bare = Join-Path $root 'sample.git'
            $server = Start-GitHttpRemote -ProjectRoot $root -Status $Status
            # The token goes only to the GitHub server: make this remote that server.
            $env:GITHUB_SERVER_URL = $server.Url
            Invoke-Git $Repo remote set-url origin "$($server.Url)/sample.git" | Out-Null
        } else {
            $bare = $Origin
        }
        Set-Content -Path (Join-Path $bare 'hooks/pre-receive') -Value $hook -NoNewline
        & chmod +x (Join-Path $bare 'hooks/pre-receive')
        $head = Invoke-Git $Repo rev-parse HEAD

        $Error.Clear()
        try {
            $secure = ConvertTo-SecureString $canary -AsPlainText -Force
            # -WarningAction Continue: on a compiled cmdlet -Debug alone makes warnings prompt.
            $all = Step-X0Version -Minor -Push -Token $secure -Verbose -Debug -WarningAction Continue -ErrorAction SilentlyContinue -ErrorVariable err *>&1 | Out-String -Width 500
        } finally {
            if ($server) { Stop-X0TestListener $server }
            foreach ($k in $saved.Keys) { Set-Item "env:$k" -Value $saved[$k] }
        }

        $err | Should -Not -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.PushRejected,*'
        Invoke-Git $Repo rev-parse HEAD | Should -Be $head -Because 'the refused bump is rolled back'
        if ($server) {
            @($server.Seen) -like '*git-receive-pack* with Authorization' | Should -Not -BeNullOrEmpty -Because 'the push must have carried the token'
        }
        if ($Status -ne 401) {
            # The echo reached the message, masked (a 401 makes git ask for credentials instead of showing the body).
            "$($err[0])" | Should -Match ([regex]::Escape('***'))
        }
        $text = @($all, ($Error | Out-String -Width 500), ($err | Out-String -Width 500))
        foreach ($e in @($Error) + @($err)) {
            if ($e -is [System.Management.Automation.ErrorRecord]) {
                $text += "$($e.Exception) $($e.Exception.InnerException) $($e.ErrorDetails) $($e.TargetObject) $($e.ErrorDetails.RecommendedAction)"
            }
        }
        $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("x-access-token:$canary"))
        foreach ($t in $text) {
            $t | Should -Not -Match $canary
            $t | Should -Not -Match ([regex]::Escape($basic))
        }
        [System.IO.File]::ReadAllText((Join-Path $Repo '.git/config')) | Should -Not -Match $canary
        Find-CanaryBytes (Join-Path $Repo '.git/config') $canary | Should -BeNullOrEmpty
        Find-CanaryBytes $Repo $canary | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $stateDir 'pending') -Filter *.json | Should -Not -BeNullOrEmpty -Because 'the refused run is recorded (in the run store''s journal)'
        Find-CanaryBytes $stateDir $canary | Should -BeNullOrEmpty
    }
}
