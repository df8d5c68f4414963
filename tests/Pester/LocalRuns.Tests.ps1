#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# The local run store: every X0 cmdlet run recorded (here Step-X0Version), read back with
# Get-X0Run -Local, safe with concurrent writers, and never in the way when it cannot be used.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:SavedStateDir = $env:X0_STATE_DIR
    $script:IsRoot = $IsLinux -and (& id -u) -eq '0'

    function Start-StoreLock([string] $Database) {
        # Another process holding SQLite's write lock on the store until its standard input closes.
        $python = if (Test-Path /usr/bin/python3) { '/usr/bin/python3' } else { (Get-Command python3 -CommandType Application).Source }
        $code = 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True); sys.stdin.readline(); c.rollback()'
        $psi = [System.Diagnostics.ProcessStartInfo]::new($python)
        foreach ($a in '-c', $code, $Database) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $line = $p.StandardOutput.ReadLine()
        if ($line -ne 'locked') { throw "The lock holder did not start: $line $($p.StandardError.ReadToEnd())" }
        $p
    }

    function Stop-StoreLock($Process) {
        $Process.StandardInput.Close()
        if (-not $Process.WaitForExit(10000)) { $Process.Kill() }
    }

    function New-PyprojectFolder([string] $Name) {
        $dir = New-X0TempDirectory $Name
        Set-Content -Path (Join-Path $dir 'pyproject.toml') -Value "[project]`nname = `"demo`"`nversion = `"1.0.0`"`n" -NoNewline
        $dir
    }
}

AfterAll {
    $env:X0_STATE_DIR = $script:SavedStateDir
}

Describe 'Local run history' {
    BeforeEach {
        $env:X0_STATE_DIR = New-X0TempDirectory 'state'
    }

    It 'records a Step-X0Version run with kind, repository, branch, commit, version, timing, status, summary and host' {
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'recorded' -WithRemote
        $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)
        $change = Step-X0Version -Path $repo -Minor
        $run = Get-X0Run -Local -First 1

        $run | Should -BeOfType ([X0tta6bl4.Models.X0Run])
        $run.Source | Should -Be 'Local'
        $run.Kind | Should -Be 'Version'
        $run.Workflow | Should -Be 'Step-X0Version'
        $run.Path | Should -Be $repo
        $run.Remote | Should -Be "$repo-origin.git"
        $run.Repository | Should -Be "$repo-origin.git"
        $run.Branch | Should -Be 'main'
        $run.Commit | Should -Be $change.Commit
        $run.Version | Should -Be '3.3.0'
        $run.Status | Should -Be 'completed'
        $run.Conclusion | Should -Be 'success'
        $run.Summary | Should -Be '3.2.0 → 3.3.0, tag v3.3.0, 2 file(s)'
        $run.Host | Should -Be ([Environment]::MachineName)
        $run.Actor | Should -Be ([Environment]::UserName)
        $run.Event | Should -Be 'local'
        $run.CreatedAt | Should -BeGreaterThan $before
        $run.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        Test-Path (Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db') | Should -BeTrue
    }

    It 'loads SQLite''s native library from the module''s own dependencies folder' -Skip:(-not $IsLinux) {
        Get-X0Run -Local | Out-Null
        # The native library only (libe_sqlite3.so), not the managed SQLitePCLRaw.provider.e_sqlite3.dll.
        $loaded = (Get-Process -Id $PID).Modules.FileName | Where-Object { (Split-Path -Leaf $_) -like 'libe_sqlite3*' }
        $loaded | Should -Not -BeNullOrEmpty
        $expected = Join-Path (Split-Path (Get-X0ModulePath)) 'dependencies/runtimes'
        $loaded | ForEach-Object { $_ | Should -BeLike "$expected*" }
    }

    It 'records failures with the error as summary, and -WhatIf runs as skipped; filters apply' {
        $repo = New-X0GitRepository -From (Get-X0SamplePath) -Name 'outcomes'
        Add-Content -Path (Join-Path $repo 'src/mape_k/loop.py') -Value '# local edit'
        Step-X0Version -Path $repo -Minor -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Step-X0Version -Path $repo -Patch -AllowDirty -WhatIf | Out-Null
        Step-X0Version -Path $repo -Patch -AllowDirty | Out-Null

        $all = Get-X0Run -Local
        $all.Conclusion | Should -Be @('success', 'skipped', 'failure')
        $failed = Get-X0Run -Local -Status failure
        $failed.Count | Should -Be 1
        $failed.Summary | Should -Match 'clean working tree'
        $failed.Summary | Should -Match 'loop\.py'
        (Get-X0Run -Local -Status success).Version | Should -Be '3.2.1'
        (Get-X0Run -Local -Workflow 'Vers*').Count | Should -Be 3
        (Get-X0Run -Local -Workflow 'Test').Count | Should -Be 0
        (Get-X0Run -Local -Repository "*outcomes*").Count | Should -Be 3
        (Get-X0Run -Local -Branch main -First 2).Count | Should -Be 2
        (Get-X0Run -Local -Since ([DateTime]::Now.AddMinutes(5))).Count | Should -Be 0
        (Get-X0Run -Local -Id $failed.Id).Conclusion | Should -Be 'failure'
        (Get-X0Run -Local -Skip 1 -First 1).Conclusion | Should -Be 'skipped'
    }

    It 'loses no run when two pwsh processes record 500 runs each at the same time' {
        $a = New-PyprojectFolder 'writer-a'
        $b = New-PyprojectFolder 'writer-b'
        $script = {
            param($module, $dir, $state)
            $env:X0_STATE_DIR = $state
            Import-Module $module
            $warnings = 0
            for ($i = 0; $i -lt 500; $i++) {
                Step-X0Version -Path $dir -Patch -NoCommit -WarningVariable w -WarningAction SilentlyContinue | Out-Null
                $warnings += @($w).Count
            }
            "warnings=$warnings"
        }
        $jobs = foreach ($dir in $a, $b) {
            $cmd = "& { $script } '$(Get-X0ModulePath)' '$dir' '$env:X0_STATE_DIR'"
            $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($arg in 'pwsh', '-NoProfile', '-NonInteractive', '-Command', $cmd) { $psi.ArgumentList.Add($arg) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.WorkingDirectory = $PSScriptRoot
            [System.Diagnostics.Process]::Start($psi)
        }
        $outputs = foreach ($p in $jobs) {
            $stdout = $p.StandardOutput.ReadToEndAsync()
            $stderr = $p.StandardError.ReadToEnd()
            $p.WaitForExit()
            $p.ExitCode | Should -Be 0 -Because $stderr
            $stdout.Result
        }
        $outputs | ForEach-Object { $_.Trim() | Should -Be 'warnings=0' }

        (Get-X0Run -Local -Repository $a -First 1000).Count | Should -Be 500
        (Get-X0Run -Local -Repository $b -First 1000).Count | Should -Be 500
        (Get-X0Run -Local -First 2000).Count | Should -Be 1000
        (Get-X0Run -Local -Repository $a -First 1).Version | Should -Be '1.0.500'
        (Get-Content (Join-Path $a 'pyproject.toml') -Raw) | Should -Match 'version = "1.0.500"'
    }

    It 'keeps recording when the store file is read-only, and says so when the history is listed' {
        $dir = New-PyprojectFolder 'readonly'
        Step-X0Version -Path $dir -Patch -NoCommit | Out-Null
        Get-X0Run -Local | Out-Null   # moves the run into the store
        $db = Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db'
        Test-Path $db | Should -BeTrue
        # root ignores permission bits: the immutable attribute is what stops root from writing.
        if ($IsRoot) { & chattr +i $db; $LASTEXITCODE | Should -Be 0 } else { (Get-Item $db).Attributes = 'ReadOnly'; & chmod 0444 $db }
        try {
            $change = Step-X0Version -Path $dir -Patch -NoCommit -WarningVariable warnings -WarningAction SilentlyContinue
            $change.Version | Should -Be '1.0.2'
            $? | Should -BeTrue
            $warnings | Should -BeNullOrEmpty -Because 'the run waits in the journal; the store is not on the cmdlet''s path'
            $listed = Get-X0Run -Local -WarningVariable listWarnings -WarningAction SilentlyContinue
            $listed.Version | Should -Be @('1.0.2', '1.0.1')
            "$listWarnings" | Should -Match 'cannot be written'
            "$listWarnings" | Should -Match 'journal'
        } finally {
            if ($IsRoot) { & chattr -i $db } else { & chmod 0644 $db }
        }
        $runs = Get-X0Run -Local -WarningVariable after -WarningAction SilentlyContinue
        $after | Should -BeNullOrEmpty
        $runs.Version | Should -Be @('1.0.2', '1.0.1')
        $runs.Id | Should -Not -Contain 0
    }

    It 'moves a corrupt store aside with a warning, starts a new one and still succeeds' {
        $dir = New-PyprojectFolder 'corrupt'
        $db = Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db'
        [System.IO.File]::WriteAllBytes($db, [byte[]](1..4096 | ForEach-Object { $_ % 251 }))
        $change = Step-X0Version -Path $dir -Patch -NoCommit
        $change.Version | Should -Be '1.0.1'
        $runs = Get-X0Run -Local -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -Match 'damaged'
        @(Get-ChildItem $env:X0_STATE_DIR -Filter 'x0tta6bl4.db.corrupt-*').Count | Should -Be 1
        $runs.Version | Should -Be '1.0.1'
    }

    It 'warns and still succeeds when the state folder cannot be created' {
        $dir = New-PyprojectFolder 'nofolder'
        $blocker = Join-Path (New-X0TempDirectory 'blocker') 'file'
        Set-Content -Path $blocker -Value 'not a folder'
        $env:X0_STATE_DIR = Join-Path $blocker 'state'
        $change = Step-X0Version -Path $dir -Patch -NoCommit -WarningVariable warnings -WarningAction SilentlyContinue
        $change.Version | Should -Be '1.0.1'
        "$warnings" | Should -Match 'X0_STATE_DIR'
    }

    It 'records without waiting while another process holds the store locked, and says the store was busy' {
        $dir = New-PyprojectFolder 'locked'
        Step-X0Version -Path $dir -Patch -NoCommit | Out-Null
        Get-X0Run -Local | Out-Null   # the store exists, with that run in it
        $holder = Start-StoreLock (Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db')
        try {
            $change = Step-X0Version -Path $dir -Patch -NoCommit -WarningVariable warnings -WarningAction SilentlyContinue
            $change.Version | Should -Be '1.0.2'
            "$warnings" | Should -Not -Match 'writable' -Because 'a busy store is not a permission problem'
            $warnings | Should -BeNullOrEmpty -Because 'the run went to the journal, which no lock holds'
            $listed = Get-X0Run -Local -WarningVariable listWarnings -WarningAction SilentlyContinue
            "$listWarnings" | Should -Match 'busy'
            "$listWarnings" | Should -Not -Match 'writable'
            $listed.Version | Should -Be @('1.0.2', '1.0.1') -Because 'runs still in the journal are listed too'
            $holder.HasExited | Should -BeFalse -Because 'the lock was held all along'
        } finally {
            Stop-StoreLock $holder
        }
        $runs = Get-X0Run -Local -WarningVariable after -WarningAction SilentlyContinue
        $after | Should -BeNullOrEmpty
        $runs.Version | Should -Be @('1.0.2', '1.0.1')
        @(Get-ChildItem (Join-Path $env:X0_STATE_DIR 'pending') -Filter *.json).Count | Should -Be 0 -Because 'the journal was moved into the store'
    }

    It 'keeps the run of a pwsh that exits right after its command' {
        $repos = 1..3 | ForEach-Object { New-X0GitRepository -From (Get-X0SamplePath) -Name "exits-$_" }
        $children = foreach ($repo in $repos) {
            $cmd = "Import-Module '$(Get-X0ModulePath)'; Get-X0ReleaseNote -Path '$repo' | Out-Null; exit 0"
            $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($arg in 'pwsh', '-NoProfile', '-NonInteractive', '-Command', $cmd) { $psi.ArgumentList.Add($arg) }
            $psi.Environment['X0_STATE_DIR'] = $env:X0_STATE_DIR
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.WorkingDirectory = $PSScriptRoot
            [System.Diagnostics.Process]::Start($psi)
        }
        foreach ($p in $children) {
            $stderr = $p.StandardError.ReadToEndAsync()
            $p.WaitForExit()
            $p.ExitCode | Should -Be 0 -Because $stderr.Result
        }
        $runs = Get-X0Run -Local -Workflow Get-X0ReleaseNote
        $runs.Count | Should -Be 3
        ($runs.Path | Sort-Object) | Should -Be ($repos | Sort-Object)
        $runs.Conclusion | Should -Be @('success', 'success', 'success')
    }

    It 'records the -Path project of Invoke-X0Test, not the current directory, also when -Path does not exist' {
        $here = New-X0GitRepository -From (Get-X0SamplePath) -Name 'cwd'
        $project = New-X0GitRepository -From (Get-X0SamplePath) -Name 'tested' -WithRemote
        $missing = Join-Path $here 'no-such-project'
        Push-Location $here
        try {
            Invoke-X0Test -Path $project -Gate Lint -ErrorAction SilentlyContinue | Out-Null
            Invoke-X0Test -Path $missing -ErrorAction SilentlyContinue | Out-Null
        } finally {
            Pop-Location
        }
        $gone, $tested = Get-X0Run -Local -Workflow Invoke-X0Test
        $tested.Path | Should -Be $project
        $tested.Commit | Should -Be (& git -C $project rev-parse HEAD)
        $tested.Remote | Should -Be "$project-origin.git"
        $gone.Path | Should -Be $missing
        $gone.Conclusion | Should -Be 'failure'
        $gone.Commit | Should -BeNullOrEmpty -Because 'a folder that does not exist is in no repository, whatever the current directory is'
        $gone.Repository | Should -Be $missing
    }

    It 'records nothing with X0_RUN_RECORDING=0' {
        $dir = New-PyprojectFolder 'off'
        $env:X0_RUN_RECORDING = '0'
        try { Step-X0Version -Path $dir -Patch -NoCommit | Out-Null } finally { $env:X0_RUN_RECORDING = $null }
        Test-Path (Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db') | Should -BeFalse
        Test-Path (Join-Path $env:X0_STATE_DIR 'pending') | Should -BeFalse
    }
}
