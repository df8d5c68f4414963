#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# Step-X0Version against faults a fresh process meets: a release push killed with SIGKILL, and a
# configuration read in a session where no other cmdlet has run yet.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:Sample = Get-X0SamplePath

    function Wait-X0File([string] $Path, [int] $Seconds) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (Test-Path -LiteralPath $Path)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "timed out after $Seconds s waiting for $Path" }
            Start-Sleep -Milliseconds 100
        }
    }
}

Describe 'Step-X0Version -Push killed with SIGKILL while git pushes' -Skip:($IsWindows) {
    It 'leaves a local-only release that the next run finds first and names the command that finishes it' {
        $repo = New-X0GitRepository -From $Sample -Name 'killed' -WithRemote
        $bare = "$repo-origin.git"
        $work = New-X0TempDirectory 'killed-markers'
        # The remote holds the push while the test kills the client; afterwards it refuses, as a push cut off never lands.
        $hook = Join-Path $bare 'hooks/pre-receive'
        Set-Content -LiteralPath $hook -NoNewline -Value "#!/bin/sh`ntouch '$work/started'`nsleep 6`ntouch '$work/finished'`nexit 1`n"
        & chmod 755 $hook
        $script = Join-Path $work 'bump.ps1'
        Set-Content -LiteralPath $script -Value @"
`$PID | Set-Content -LiteralPath '$work/pid'
Import-Module '$(Get-X0ModulePath)'
Step-X0Version -Minor -Push -Path '$repo' -Confirm:`$false
"@
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in 'pwsh', '-NoProfile', '-NonInteractive', '-File', $script) { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = Get-X0RepositoryRoot
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $child = [System.Diagnostics.Process]::Start($psi)
        $null = $child.StandardOutput.ReadToEndAsync(); $null = $child.StandardError.ReadToEndAsync()
        try {
            Wait-X0File "$work/started" 120
            $bumpPid = [int](Get-Content -LiteralPath "$work/pid")
            & kill -9 $bumpPid
            $LASTEXITCODE | Should -Be 0
            Wait-X0File "$work/finished" 60
        } finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.WaitForExit()
        }
        Remove-Item -LiteralPath $hook

        # What the kill left: the release commit and tag locally, neither on the remote.
        Invoke-Git $repo tag -l | Should -Be 'v3.3.0'
        & git -C $bare tag -l | Should -BeNullOrEmpty
        $releaseCommit = Invoke-Git $repo rev-parse HEAD

        $err = $null
        $out = Step-X0Version -Minor -Push -Path $repo -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'X0.ReleaseNotPushed*'
        "$err" | Should -BeLike '*Publish-X0Release -Tag v3.3.0*'
        "$err" | Should -BeLike '*git push origin refs/heads/main refs/tags/v3.3.0*'
        Invoke-Git $repo rev-parse HEAD | Should -Be $releaseCommit
        Invoke-Git $repo tag -l | Should -Be 'v3.3.0'

        # The named command finishes the interrupted release; the next bump then goes ahead.
        Invoke-Git $repo push -q origin refs/heads/main refs/tags/v3.3.0 | Out-Null
        (Step-X0Version -Minor -Push -Path $repo -Confirm:$false).Version | Should -Be '3.4.0'
    }
}

Describe 'Configuration keys in a new session' {
    It 'knows every feature''s keys before any of those features has run' {
        $repo = New-X0GitRepository -From $Sample -Name 'schema'
        Add-Content -LiteralPath (Join-Path $repo 'pyproject.toml') -Value "`n[tool.x0tta6bl4.pypi]`nrepository = `"testpypi`"`n`n[tool.x0tta6bl4.nuget]`n"
        Invoke-Git $repo commit -q -am 'build: index settings' | Out-Null
        $script = Join-Path (New-X0TempDirectory 'schema-child') 'plan.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$(Get-X0ModulePath)'
Step-X0Version -Patch -WhatIf -Path '$repo' 3>&1 | ForEach-Object { "`$_" }
"@
        $result = Invoke-X0ChildPwsh -Script $script
        $result.ExitCode | Should -Be 0
        $result.Output | Should -Not -BeLike '*Unknown setting*'
        $result.Output | Should -BeLike '*3.2.0*3.2.1*'
    }
}
