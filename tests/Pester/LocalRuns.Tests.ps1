#requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.0' }
# The local run store: every X0 cmdlet run recorded (here Step-X0Version), read back with
# Get-X0Run -Local, safe with concurrent writers, and never in the way when it cannot be used.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-X0ModulePath) -Force
    $script:SavedStateDir = $env:X0_STATE_DIR
    $script:IsRoot = $IsLinux -and (& id -u) -eq '0'

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

    It 'warns and still succeeds when the store file is read-only' {
        $dir = New-PyprojectFolder 'readonly'
        Step-X0Version -Path $dir -Patch -NoCommit | Out-Null
        $db = Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db'
        Test-Path $db | Should -BeTrue
        # root ignores permission bits: the immutable attribute is what stops root from writing.
        if ($IsRoot) { & chattr +i $db; $LASTEXITCODE | Should -Be 0 } else { (Get-Item $db).Attributes = 'ReadOnly'; & chmod 0444 $db }
        try {
            $change = Step-X0Version -Path $dir -Patch -NoCommit -WarningVariable warnings -WarningAction SilentlyContinue
            $change.Version | Should -Be '1.0.2'
            $? | Should -BeTrue
            "$warnings" | Should -Match 'run store'
            "$warnings" | Should -Match 'not recorded'
        } finally {
            if ($IsRoot) { & chattr -i $db } else { & chmod 0644 $db }
        }
        (Get-X0Run -Local).Count | Should -Be 1
    }

    It 'moves a corrupt store aside with a warning, starts a new one and still succeeds' {
        $dir = New-PyprojectFolder 'corrupt'
        $db = Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db'
        [System.IO.File]::WriteAllBytes($db, [byte[]](1..4096 | ForEach-Object { $_ % 251 }))
        $change = Step-X0Version -Path $dir -Patch -NoCommit -WarningVariable warnings -WarningAction SilentlyContinue
        $change.Version | Should -Be '1.0.1'
        "$warnings" | Should -Match 'damaged'
        @(Get-ChildItem $env:X0_STATE_DIR -Filter 'x0tta6bl4.db.corrupt-*').Count | Should -Be 1
        (Get-X0Run -Local).Version | Should -Be '1.0.1'
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

    It 'records nothing with X0_RUN_RECORDING=0' {
        $dir = New-PyprojectFolder 'off'
        $env:X0_RUN_RECORDING = '0'
        try { Step-X0Version -Path $dir -Patch -NoCommit | Out-Null } finally { $env:X0_RUN_RECORDING = $null }
        Test-Path (Join-Path $env:X0_STATE_DIR 'x0tta6bl4.db') | Should -BeFalse
    }
}
